import type { HealthStatus } from '../../../engine/contracts/localHttpApi.js';
import type { OverallState } from '../lib/overallStatus.js';

const LABELS: Record<HealthStatus, string> = { healthy: 'Healthy', degraded: 'Degraded', unhealthy: 'Unhealthy' };

/** A health check's status, or the overall state of the header (which brings its own label). */
export type PillStatus = HealthStatus | OverallState | 'unknown';

/** Status as a coloured pill; the word carries the meaning, colour only repeats it. */
export function StatusPill({ status, label }: { status: PillStatus; label?: string }) {
  const text = label ?? (status in LABELS ? LABELS[status as HealthStatus] : 'Unknown');
  return (
    <span className={`pill pill-${status}`} data-status={status}>
      <span className="pill-dot" aria-hidden="true" />
      {text}
    </span>
  );
}
