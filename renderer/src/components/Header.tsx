import type { Route } from '../lib/route.js';
import { useLive } from '../state/LiveContext.js';
import { ConnectionBanner } from './ConnectionBanner.js';
import { DemoBanner } from './DemoBanner.js';
import { Nav } from './Nav.js';
import { StatusPill } from './StatusPill.js';

/** App name, overall status (announced when it changes), demo banner and navigation. */
export function Header({ route }: { route: Route }) {
  const { snapshot, state, error } = useLive();
  const status = snapshot?.health.status ?? 'unknown';
  const syncing = snapshot?.sync.status === 'syncing';
  const paused = snapshot?.sync.paused ?? false;
  return (
    <header className="header">
      <div className="header-top">
        <h1 className="app-name">
          <img src="./icon.svg" alt="" width="24" height="24" />
          Atom Sync
        </h1>
        <div className="header-status" role="status" aria-live="polite" data-testid="overall-status">
          <span className="visually-hidden">Overall status: </span>
          <StatusPill status={status} />
          {syncing && <span className="tag tag-syncing">Syncing</span>}
          {paused && <span className="tag tag-paused">Paused</span>}
        </div>
      </div>
      {snapshot?.demo_mode && <DemoBanner />}
      <ConnectionBanner state={state} error={error} />
      <Nav route={route} snapshot={snapshot} />
    </header>
  );
}
