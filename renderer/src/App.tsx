import { useEffect, useRef } from 'react';
import { Header } from './components/Header.js';
import { EmptyState } from './components/States.js';
import { demoModeChosen } from './lib/demoChoice.js';
import type { Route } from './lib/route.js';
import { useConfig } from './state/ConfigContext.js';
import { navigate, useRoute } from './state/useRoute.js';
import { ConflictDetailView } from './views/conflicts/ConflictDetailView.js';
import { ConflictsView } from './views/conflicts/ConflictsView.js';
import { ConnectView } from './views/connect/ConnectView.js';
import { DashboardView } from './views/dashboard/DashboardView.js';
import { SettingsView } from './views/settings/SettingsView.js';
import { FailedUploadsView } from './views/uploads/FailedUploadsView.js';

const TITLES: Record<Route['name'], string> = {
  dashboard: 'Dashboard',
  uploads: 'Failed uploads',
  conflicts: 'Conflicts',
  conflict: 'Conflict',
  settings: 'Settings',
  connect: 'Connect',
  notFound: 'Not found',
};

function View({ route }: { route: Route }) {
  switch (route.name) {
    case 'dashboard':
      return <DashboardView />;
    case 'uploads':
      return <FailedUploadsView />;
    case 'conflicts':
      return <ConflictsView tab={route.tab} />;
    case 'conflict':
      return <ConflictDetailView key={route.id} id={route.id} />;
    case 'settings':
      return <SettingsView />;
    case 'connect':
      return <ConnectView />;
    case 'notFound':
      return (
        <EmptyState title="This page does not exist">
          <a href="#/">Go to the dashboard</a>
        </EmptyState>
      );
  }
}

/**
 * First run: an engine still in demo mode opens on the Connect screen, unless the person chose
 * demo mode before. Only the landing page is redirected (a link to a conflict is followed), once.
 */
function useFirstRunConnect(route: Route): void {
  const { config } = useConfig();
  const decided = useRef(false);
  const landedOnDashboard = useRef(route.name === 'dashboard');
  useEffect(() => {
    if (decided.current || !config) return;
    decided.current = true;
    if (config.demo_mode && landedOnDashboard.current && !demoModeChosen()) navigate('#/connect');
  }, [config]);
  useEffect(() => {
    if (route.name !== 'dashboard') landedOnDashboard.current = false;
  }, [route.name]);
}

export function App() {
  const route = useRoute();
  useEffect(() => {
    document.title = `${TITLES[route.name]} · Atom Sync`;
  }, [route.name]);
  useFirstRunConnect(route);
  return (
    <>
      <a className="skip-link" href="#main" onClick={(e) => {
        // The hash is the router's; move focus without navigating.
        e.preventDefault();
        document.getElementById('main')?.focus();
      }}>
        Skip to content
      </a>
      <Header route={route} />
      <main id="main" tabIndex={-1}>
        <View route={route} />
      </main>
    </>
  );
}
