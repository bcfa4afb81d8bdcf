import type { EngineSnapshot } from '../../../../engine/contracts/localHttpApi.js';
import { formatAgo } from '../../../../engine/status/formatAge.js';
import { formatCount, formatDateTime, formatUntil, humanize } from '../../lib/format.js';
import { useNow } from '../../state/NowContext.js';
import { SyncActions } from './SyncActions.js';
import { SyncProgressBar } from './SyncProgressBar.js';

/** Last and next sync, what is cached, the run in progress and the sync buttons. */
export function SyncPanel({ snapshot }: { snapshot: EngineSnapshot }) {
  const now = useNow();
  const { sync } = snapshot;
  return (
    <section className="card" aria-labelledby="sync-title" data-testid="sync-panel">
      <div className="card-head">
        <h2 id="sync-title">Catalogue sync</h2>
        <span className={`tag tag-${sync.status}`}>{sync.paused ? 'Paused' : humanize(sync.status)}</span>
      </div>
      <dl className="facts">
        <div>
          <dt>Last sync</dt>
          <dd data-testid="last-sync" title={formatDateTime(sync.last_sync)}>
            {formatAgo(sync.last_sync, now, 'never')}
          </dd>
        </div>
        <div>
          <dt>Next sync</dt>
          <dd title={formatDateTime(sync.next_sync)}>{sync.paused ? 'paused' : formatUntil(sync.next_sync, now)}</dd>
        </div>
        <div>
          <dt>Skills cached</dt>
          <dd data-testid="skills-cached">{formatCount(sync.skills_cached)}</dd>
        </div>
        <div>
          <dt>Categories cached</dt>
          <dd data-testid="categories-cached">{formatCount(sync.categories_cached)}</dd>
        </div>
      </dl>
      {sync.status === 'syncing' && <SyncProgressBar progress={sync.progress} mode={sync.mode} />}
      {sync.last_error && (
        <p className="last-error">
          <strong>Last error{sync.consecutive_failures > 1 ? ` (${sync.consecutive_failures} runs in a row)` : ''}:</strong> {sync.last_error}
        </p>
      )}
      <SyncActions snapshot={snapshot} />
    </section>
  );
}
