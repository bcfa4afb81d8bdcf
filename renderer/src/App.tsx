import { useEffect } from 'react';
import { Header } from './components/Header.js';
import { EmptyState } from './components/States.js';
import type { Route } from './lib/route.js';
import { useRoute } from './state/useRoute.js';
import { ConflictDetailView } from './views/conflicts/ConflictDetailView.js';
import { ConflictsView } from './views/conflicts/ConflictsView.js';
import { DashboardView } from './views/dashboard/DashboardView.js';
import { SettingsView } from './views/settings/SettingsView.js';
import { FailedUploadsView } from './views/uploads/FailedUploadsView.js';

const TITLES: Record<Route['name'], string> = {
  dashboard: 'Dashboard',
  uploads: 'Failed uploads',
  conflicts: 'Conflicts',
  conflict: 'Conflict',
  settings: 'Settings',
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
    case 'notFound':
      return (
        <EmptyState title="This page does not exist">
          <a href="#/">Go to the dashboard</a>
        </EmptyState>
      );
  }
}

export function App() {
  const route = useRoute();
  useEffect(() => {
    document.title = `${TITLES[route.name]} · Atom Sync`;
  }, [route.name]);
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
