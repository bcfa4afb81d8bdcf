import type { EngineSnapshot } from '../../../../engine/contracts/localHttpApi.js';
import { EmptyState, ErrorMessage, Loading } from '../../components/States.js';
import { useApi } from '../../state/ApiContext.js';
import { useResource } from '../../state/useResource.js';
import { RecentErrors } from './RecentErrors.js';
import { RunsChart } from './RunsChart.js';
import { RunsTable } from './RunsTable.js';

/** Runs chart, runs table and recent errors; reloaded when a run starts or ends or errors are counted. */
export function HistoryPanel({ snapshot }: { snapshot: EngineSnapshot }) {
  const api = useApi();
  const { sync, health } = snapshot;
  const key = `${sync.run_id}|${sync.status}|${sync.last_sync}|${sync.consecutive_failures}|${health.recent_errors}|${sync.last_error}`;
  const runs = useResource(() => api.runs(30), key);
  const errors = useResource(() => api.errors(), key);
  return (
    <>
      <section className="card card-wide" aria-labelledby="runs-title">
        <div className="card-head">
          <h2 id="runs-title">Recent runs</h2>
        </div>
        {runs.error && <ErrorMessage text={runs.error} onRetry={runs.reload} />}
        {runs.loading && !runs.data && <Loading what="recent runs" />}
        {runs.data && runs.data.items.length === 0 && <EmptyState title="No sync has run yet" />}
        {runs.data && runs.data.items.length > 0 && (
          <>
            <RunsChart runs={runs.data.items} />
            <RunsTable runs={runs.data.items} />
          </>
        )}
      </section>
      <section className="card card-wide" aria-labelledby="errors-title">
        <div className="card-head">
          <h2 id="errors-title">Recent errors</h2>
        </div>
        {errors.error && <ErrorMessage text={errors.error} onRetry={errors.reload} />}
        {errors.loading && !errors.data && <Loading what="recent errors" />}
        {errors.data && <RecentErrors errors={errors.data.items} />}
      </section>
    </>
  );
}
