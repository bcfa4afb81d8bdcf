import { useEffect, useState } from 'react';
import type { Severity } from '../../../../engine/contracts/api.js';
import { SeverityBadge } from '../../components/SeverityBadge.js';
import { EmptyState, ErrorMessage, Loading } from '../../components/States.js';
import { Pager } from '../../components/Pager.js';
import { formatAge, formatDateTime, humanize } from '../../lib/format.js';
import { routeHref } from '../../lib/route.js';
import { useApi } from '../../state/ApiContext.js';
import { useLive } from '../../state/LiveContext.js';
import { useNow } from '../../state/NowContext.js';
import { useResource } from '../../state/useResource.js';
import { BulkResolveBar } from './BulkResolveBar.js';
import { SeverityFilter } from './SeverityFilter.js';

const PAGE = 50;

/** Unresolved conflicts with severity filter, selection and bulk resolve. */
export function OpenConflicts() {
  const api = useApi();
  const live = useLive();
  const now = useNow();
  const [severity, setSeverity] = useState<Severity | null>(null);
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const counts = live.snapshot?.conflicts;
  const key = `${severity}|${offset}|${counts?.unresolved}|${JSON.stringify(counts?.by_severity ?? {})}`;
  const list = useResource(() => api.conflicts({ status: 'unresolved', severity, limit: PAGE, offset }), key);
  const items = list.data?.items ?? [];

  // Forget selections of conflicts that left the list (resolved elsewhere).
  useEffect(() => {
    if (!list.data) return;
    const ids = new Set(list.data.items.map((c) => c.id));
    setSelected((prev) => {
      const kept = [...prev].filter((id) => ids.has(id));
      return kept.length === prev.size ? prev : new Set(kept);
    });
  }, [list.data]);

  const toggle = (id: number) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const allSelected = items.length > 0 && items.every((c) => selected.has(c.id));
  const toggleAll = () => setSelected(allSelected ? new Set() : new Set(items.map((c) => c.id)));

  return (
    <>
      <div className="toolbar">
        <SeverityFilter
          value={severity}
          onChange={(value) => {
            setSeverity(value);
            setOffset(0);
          }}
        />
      </div>
      <BulkResolveBar
        selected={[...selected]}
        onDone={() => {
          setSelected(new Set());
          list.reload();
          live.refresh();
        }}
      />
      {list.error && <ErrorMessage text={list.error} onRetry={list.reload} />}
      {list.loading && !list.data && <Loading what="conflicts" />}
      {list.data && items.length === 0 && (
        <EmptyState title={severity ? `No open ${severity} conflicts` : 'No open conflicts'}>Local edits and Atom SaaS agree.</EmptyState>
      )}
      {items.length > 0 && (
        <table className="table table-stack" data-testid="conflicts-table">
          <caption className="visually-hidden">Open conflicts</caption>
          <thead>
            <tr>
              <th scope="col" className="col-check">
                <input type="checkbox" checked={allSelected} onChange={toggleAll} aria-label="Select all conflicts on this page" />
              </th>
              <th scope="col">Skill</th>
              <th scope="col">Severity</th>
              <th scope="col">Type</th>
              <th scope="col">Clashing fields</th>
              <th scope="col">Detected</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => {
              const name = c.entity_name ?? c.entity_id;
              return (
                <tr key={c.id} data-testid="conflict-row" data-id={c.id} data-entity-id={c.entity_id}>
                  <td className="col-check" data-label="Select">
                    <input type="checkbox" checked={selected.has(c.id)} onChange={() => toggle(c.id)} aria-label={`Select conflict for ${name}`} />
                  </td>
                  <td data-label="Skill">
                    <div>
                      <a href={routeHref({ name: 'conflict', id: c.id })} className="cell-main">
                        {name}
                      </a>
                      {c.entity_name && <span className="cell-sub">{c.entity_id}</span>}
                    </div>
                  </td>
                  <td data-label="Severity">
                    <SeverityBadge severity={c.severity} />
                  </td>
                  <td data-label="Type">{humanize(c.conflict_type)}</td>
                  <td data-label="Clashing fields">{c.clashing_fields.length ? c.clashing_fields.join(', ') : 'none (merges cleanly)'}</td>
                  <td data-label="Detected" title={formatDateTime(c.detected_at)}>
                    {formatAge(c.detected_at, now)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Pager offset={offset} limit={PAGE} total={list.data?.total ?? 0} onChange={setOffset} />
    </>
  );
}
