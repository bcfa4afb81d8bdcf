import { useState } from 'react';
import type { FailedUpload } from '../../../../engine/contracts/localHttpApi.js';
import { errorText } from '../../api/apiError.js';
import { Pager } from '../../components/Pager.js';
import { ActionMessage, EmptyState, ErrorMessage, Loading } from '../../components/States.js';
import { plural } from '../../lib/format.js';
import { useApi } from '../../state/ApiContext.js';
import { useLive } from '../../state/LiveContext.js';
import { useAction } from '../../state/useAction.js';
import { useResource } from '../../state/useResource.js';
import { FailedUploadRow, type RetryOutcome } from './FailedUploadRow.js';

const PAGE = 50;

/**
 * Ratings that kept failing to upload. A row retried successfully stays on screen marked
 * "Uploaded" (the server list no longer has it) until the page is left.
 */
export function FailedUploadsView() {
  const api = useApi();
  const live = useLive();
  const [offset, setOffset] = useState(0);
  const [outcomes, setOutcomes] = useState<Record<number, RetryOutcome>>({});
  const [uploaded, setUploaded] = useState<FailedUpload[]>([]);
  const retryAll = useAction();
  const ratings = live.snapshot?.ratings;
  const key = `${offset}|${ratings?.failed_count}|${ratings?.last_sync}|${ratings?.status}`;
  const list = useResource(() => api.failedUploads(PAGE, offset), key);

  const retry = async (item: FailedUpload) => {
    setOutcomes((o) => ({ ...o, [item.id]: { state: 'retrying' } }));
    try {
      const result = await api.retryUpload(item.id);
      if (result.result === 'uploaded') {
        setUploaded((rows) => [...rows.filter((r) => r.id !== item.id), item]);
        setOutcomes((o) => ({ ...o, [item.id]: { state: 'uploaded' } }));
      } else {
        setOutcomes((o) => ({ ...o, [item.id]: { state: 'failed', error: result.error ?? 'The upload failed again.' } }));
      }
    } catch (error) {
      setOutcomes((o) => ({ ...o, [item.id]: { state: 'failed', error: errorText(error) } }));
    }
    list.reload();
    live.refresh();
  };

  const items = list.data?.items ?? [];
  const shown = [...items, ...uploaded.filter((row) => !items.some((i) => i.id === row.id))];
  const total = list.data?.total ?? 0;

  return (
    <section className="view" aria-labelledby="uploads-title">
      <div className="view-head">
        <h2 id="uploads-title">Failed rating uploads</h2>
        <button
          type="button"
          className="button"
          disabled={retryAll.busy || total === 0}
          onClick={() =>
            void retryAll
              .run(() => api.retryAllUploads(), (r) => (typeof r.queued === 'number' ? `Retrying ${plural(r.queued, 'upload')}…` : 'Retrying every failed upload…'))
              .then(() => {
                list.reload();
                live.refresh();
              })
          }
        >
          Retry all
        </button>
      </div>
      <p className="view-lead">Ratings made in Atom that Atom SaaS did not accept after several tries. Retry them once the cause is fixed.</p>
      <ActionMessage message={retryAll.message} tone={retryAll.tone} />
      {list.error && <ErrorMessage text={list.error} onRetry={list.reload} />}
      {list.loading && !list.data && <Loading what="failed uploads" />}
      {list.data && shown.length === 0 && <EmptyState title="No failed uploads">Every rating made here has reached Atom SaaS.</EmptyState>}
      {shown.length > 0 && (
        <table className="table table-stack" data-testid="failed-uploads-table">
          <caption className="visually-hidden">Failed rating uploads</caption>
          <thead>
            <tr>
              <th scope="col">Skill</th>
              <th scope="col">Rating</th>
              <th scope="col">Error</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last try</th>
              <th scope="col">Next retry</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((item) => (
              <FailedUploadRow key={item.id} item={item} outcome={outcomes[item.id]} onRetry={() => void retry(item)} />
            ))}
          </tbody>
        </table>
      )}
      <Pager offset={offset} limit={PAGE} total={total} onChange={setOffset} />
    </section>
  );
}
