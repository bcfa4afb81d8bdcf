import type { HealthStatus } from '../../../engine/contracts/api.js';

const LABELS: Record<HealthStatus, string> = { healthy: 'Healthy', degraded: 'Degraded', unhealthy: 'Unhealthy' };

/** Overall health as a coloured pill; the word carries the meaning, colour only repeats it. */
export function StatusPill({ status, label }: { status: HealthStatus | 'unknown'; label?: string }) {
  const text = label ?? (status === 'unknown' ? 'Unknown' : LABELS[status]);
  return (
    <span className={`pill pill-${status}`} data-status={status}>
      <span className="pill-dot" aria-hidden="true" />
      {text}
    </span>
  );
}
