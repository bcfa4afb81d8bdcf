import type { RatingStatusResponse } from '../../../../engine/contracts/localHttpApi.js';
import { formatAgo } from '../../../../engine/status/formatAge.js';
import { formatCount, humanize } from '../../lib/format.js';
import { useNow } from '../../state/NowContext.js';

/** Rating uploads: waiting, done, and how many failed (with a link to fix them). */
export function RatingsPanel({ ratings }: { ratings: RatingStatusResponse }) {
  const now = useNow();
  return (
    <section className="card" aria-labelledby="ratings-title" data-testid="ratings-panel">
      <div className="card-head">
        <h2 id="ratings-title">Ratings</h2>
        <span className={`tag tag-${ratings.status}`}>{humanize(ratings.status)}</span>
      </div>
      <dl className="facts">
        <div>
          <dt>Last rating sync</dt>
          <dd>{formatAgo(ratings.last_sync, now)}</dd>
        </div>
        <div>
          <dt>Waiting to upload</dt>
          <dd>{formatCount(ratings.pending_count)}</dd>
        </div>
        <div>
          <dt>Uploaded</dt>
          <dd>{formatCount(ratings.uploaded_total)}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd>{ratings.failed_count > 0 ? <a href="#/uploads">{formatCount(ratings.failed_count)} – review</a> : '0'}</dd>
        </div>
      </dl>
      {ratings.last_error && (
        <p className="last-error">
          <strong>Last error:</strong> {ratings.last_error}
        </p>
      )}
    </section>
  );
}
