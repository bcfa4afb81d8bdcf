import type { SyncProgress } from '../../../../engine/contracts/localHttpApi.js';
import { formatCount, humanize } from '../../lib/format.js';

/** The run in progress: phase and done/total (indeterminate while the total is unknown). */
export function SyncProgressBar({ progress, mode }: { progress: SyncProgress | null; mode: string | null }) {
  const phase = progress ? humanize(progress.phase) : 'Starting';
  const total = progress?.total ?? null;
  const done = progress?.done ?? 0;
  const label = total !== null ? `${formatCount(Math.min(done, total))} of ${formatCount(total)}` : `${formatCount(done)} so far`;
  return (
    <div className="progress" data-testid="sync-progress">
      <div className="progress-label" id="sync-progress-label">
        <span>
          {mode === 'full' ? 'Full resync' : 'Syncing'}: {phase}
        </span>
        <span>{label}</span>
      </div>
      {total !== null && total > 0 ? (
        <progress aria-labelledby="sync-progress-label" max={total} value={Math.min(done, total)} />
      ) : (
        <progress aria-labelledby="sync-progress-label" />
      )}
    </div>
  );
}
