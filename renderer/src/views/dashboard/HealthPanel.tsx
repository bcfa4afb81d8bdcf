import type { HealthCheck, HealthResponse } from '../../../../engine/contracts/localHttpApi.js';
import { StatusPill } from '../../components/StatusPill.js';
import { sentence } from '../../lib/format.js';

const CHECK_NAMES: Record<keyof HealthResponse['checks'], string> = {
  last_sync: 'Last sync',
  websocket: 'Live updates (WebSocket)',
  scheduler: 'Scheduler',
  errors: 'Recent errors',
  database: 'Database',
};

const SUMMARY: Record<HealthResponse['status'], string> = {
  healthy: 'Everything is working.',
  degraded: 'Sync works, but something needs attention.',
  unhealthy: 'Sync is not working; see the checks below.',
};

function CheckRow({ name, check }: { name: string; check: HealthCheck }) {
  const status = check.status ?? (check.healthy ? 'healthy' : 'unhealthy');
  return (
    <li className={`check check-${status}`}>
      <span className="check-name">{name}</span>
      <StatusPill status={status} />
      <span className="check-detail">{sentence(check.detail)}</span>
    </li>
  );
}

/**
 * The engine's health checks, each with its reason. Checks pass while a conflict or a failed
 * upload waits for a person; the lead then says so, so this card never reads "all fine" under a
 * header that asks for attention.
 */
function lead(health: HealthResponse, attention: readonly string[]): string {
  if (health.status === 'healthy' && attention.length > 0) return `The checks pass, but something needs your attention: ${attention.join('; ')}.`;
  return SUMMARY[health.status];
}

/** Overall health and each check with its reason, in plain words. */
export function HealthPanel({ health, attention = [] }: { health: HealthResponse; attention?: readonly string[] }) {
  return (
    <section className="card" aria-labelledby="health-title" data-testid="health-panel">
      <div className="card-head">
        <h2 id="health-title">Health</h2>
        <StatusPill status={health.status} />
      </div>
      <p className="card-lead" data-testid="health-lead">
        {lead(health, attention)}
      </p>
      <ul className="checks">
        {(Object.keys(CHECK_NAMES) as Array<keyof HealthResponse['checks']>).map((key) => {
          const check = health.checks[key];
          return check ? <CheckRow key={key} name={CHECK_NAMES[key]} check={check} /> : null;
        })}
      </ul>
    </section>
  );
}
