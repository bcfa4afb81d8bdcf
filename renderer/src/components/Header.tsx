import type { Route } from '../lib/route.js';
import { headerStatus } from '../lib/overallStatus.js';
import { useConfig } from '../state/ConfigContext.js';
import { useLive } from '../state/LiveContext.js';
import { useNow } from '../state/NowContext.js';
import { ConnectionBanner } from './ConnectionBanner.js';
import { DemoBanner } from './DemoBanner.js';
import { Nav } from './Nav.js';
import { StatusPill } from './StatusPill.js';

/** Up to this many characters the header lists every reason; beyond, the first and a count. */
const REASONS_SHOWN = 60;

function compactReasons(reasons: readonly string[]): string {
  const all = reasons.join(', ');
  if (reasons.length <= 1 || all.length <= REASONS_SHOWN) return all;
  return `${reasons[0]} +${reasons.length - 1} more`;
}

/** App name, the overall status and why (announced when it changes), demo banner and navigation. */
export function Header({ route }: { route: Route }) {
  const { snapshot, state, error } = useLive();
  const { config } = useConfig();
  const now = useNow();
  const status = headerStatus(snapshot, now, config?.sync_interval_minutes);
  const compact = compactReasons(status.reasons);
  return (
    <header className="header">
      <div className="header-top">
        <h1 className="app-name">
          <img src="./icon.svg" alt="" width="24" height="24" />
          Atom Sync
        </h1>
        <div className="header-status" role="status" aria-live="polite" data-testid="overall-status" data-state={status.state} title={status.line}>
          <span className="visually-hidden">Overall status: {status.line}</span>
          <span className="header-status-shown" aria-hidden="true">
            <StatusPill status={status.state} label={status.label} />
            {compact && (
              <span className="header-reasons" data-testid="overall-reasons">
                {compact}
              </span>
            )}
          </span>
        </div>
      </div>
      {snapshot?.demo_mode && <DemoBanner onConnect={route.name === 'connect'} />}
      <ConnectionBanner state={state} error={error} />
      <Nav route={route} snapshot={snapshot} />
    </header>
  );
}
