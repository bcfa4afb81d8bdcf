import type { FailedUpload } from '../../../../engine/contracts/localHttpApi.js';
import { formatAgo } from '../../../../engine/status/formatAge.js';
import { formatDateTime, formatUntil } from '../../lib/format.js';
import { useNow } from '../../state/NowContext.js';

export type RetryOutcome = { state: 'retrying' } | { state: 'uploaded' } | { state: 'failed'; error: string };

function Outcome({ outcome }: { outcome: RetryOutcome | undefined }) {
  if (!outcome) return null;
  if (outcome.state === 'retrying') return <span className="outcome">Retrying…</span>;
  if (outcome.state === 'uploaded') return <span className="outcome outcome-success">Uploaded</span>;
  return <span className="outcome outcome-error">{outcome.error}</span>;
}

/** One failed rating upload with its own Retry button and outcome. */
export function FailedUploadRow({ item, outcome, onRetry }: { item: FailedUpload; outcome: RetryOutcome | undefined; onRetry: () => void }) {
  const now = useNow();
  const skill = item.skill_name ?? item.skill_id;
  const done = outcome?.state === 'uploaded';
  return (
    <tr data-testid="failed-upload-row" data-id={item.id} data-skill-id={item.skill_id} className={done ? 'row-done' : undefined}>
      <td data-label="Skill">
        <div>
          <span className="cell-main">{skill}</span>
          {item.skill_name && <span className="cell-sub">{item.skill_id}</span>}
        </div>
      </td>
      <td data-label="Rating">
        <span className="stars" role="img" aria-label={`${item.rating} of 5 stars`}>
          {'★'.repeat(Math.max(0, Math.min(5, item.rating)))}
          <span className="stars-off">{'★'.repeat(Math.max(0, 5 - item.rating))}</span>
        </span>
      </td>
      <td data-label="Error" className="cell-error">
        {item.error}
      </td>
      <td data-label="Attempts">{item.attempts}</td>
      <td data-label="Last try" title={formatDateTime(item.last_attempt_at)}>
        {formatAgo(item.last_attempt_at, now)}
      </td>
      <td data-label="Next retry" title={formatDateTime(item.next_retry_at)}>
        {formatUntil(item.next_retry_at, now, 'manual only')}
      </td>
      <td data-label="Action" aria-live="polite">
        <div className="cell-action">
          <button
            type="button"
            className="button button-small"
            disabled={done || outcome?.state === 'retrying'}
            onClick={onRetry}
            aria-label={`Retry upload of the rating for ${skill}`}
          >
            Retry
          </button>
          <Outcome outcome={outcome} />
        </div>
      </td>
    </tr>
  );
}
