import { useState } from 'react';
import { Pager } from '../../components/Pager.js';
import { SeverityBadge } from '../../components/SeverityBadge.js';
import { EmptyState, ErrorMessage, Loading } from '../../components/States.js';
import { formatAge, formatDateTime, humanize } from '../../lib/format.js';
import { routeHref } from '../../lib/route.js';
import { useApi } from '../../state/ApiContext.js';
import { useLive } from '../../state/LiveContext.js';
import { useNow } from '../../state/NowContext.js';
import { useResource } from '../../state/useResource.js';

const PAGE = 50;

/** History of resolved conflicts: how, by whom, when. */
export function ResolvedConflicts() {
  const api = useApi();
  const live = useLive();
  const now = useNow();
  const [offset, setOffset] = useState(0);
  const list = useResource(() => api.conflicts({ status: 'resolved', limit: PAGE, offset }), `${offset}|${live.snapshot?.conflicts.unresolved}`);
  const items = list.data?.items ?? [];
  return (
    <>
      {list.error && <ErrorMessage text={list.error} onRetry={list.reload} />}
      {list.loading && !list.data && <Loading what="resolved conflicts" />}
      {list.data && items.length === 0 && <EmptyState title="No resolved conflicts yet" />}
      {items.length > 0 && (
        <table className="table table-stack" data-testid="resolved-table">
          <caption className="visually-hidden">Resolved conflicts, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Skill</th>
              <th scope="col">Severity</th>
              <th scope="col">Strategy</th>
              <th scope="col">Resolved by</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id} data-testid="resolved-row" data-id={c.id}>
                <td data-label="Skill">
                  <a href={routeHref({ name: 'conflict', id: c.id })}>{c.entity_name ?? c.entity_id}</a>
                </td>
                <td data-label="Severity">
                  <SeverityBadge severity={c.severity} />
                </td>
                <td data-label="Strategy">{humanize(c.strategy)}</td>
                <td data-label="Resolved by">{c.resolved_by ?? '–'}</td>
                <td data-label="When" title={formatDateTime(c.resolved_at)}>
                  {formatAge(c.resolved_at, now, '–')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager offset={offset} limit={PAGE} total={list.data?.total ?? 0} onChange={setOffset} />
    </>
  );
}
