import type { RecentError } from '../../../../engine/contracts/localHttpApi.js';
import { EmptyState } from '../../components/States.js';
import { formatAgo } from '../../../../engine/status/formatAge.js';
import { formatDateTime, humanize } from '../../lib/format.js';
import { useNow } from '../../state/NowContext.js';

/** The latest errors the engine recorded, newest first. */
export function RecentErrors({ errors }: { errors: readonly RecentError[] }) {
  const now = useNow();
  if (errors.length === 0) return <EmptyState title="No recent errors" />;
  return (
    <ul className="error-list" data-testid="recent-errors">
      {errors.slice(0, 20).map((error, i) => (
        <li key={`${error.at}-${i}`}>
          <span className="error-meta" title={formatDateTime(error.at)}>
            {formatAgo(error.at, now)} · {humanize(error.operation)} · {humanize(error.kind)}
          </span>
          <span className="error-message">{error.message}</span>
        </li>
      ))}
    </ul>
  );
}
