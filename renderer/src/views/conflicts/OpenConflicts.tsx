import { useEffect, useState } from 'react';
import type { ConflictSummary, Severity } from '../../../../engine/contracts/localHttpApi.js';
import { SeverityBadge } from '../../components/SeverityBadge.js';
import { EmptyState } from '../../components/States.js';
import { formatAgo } from '../../../../engine/status/formatAge.js';
import { formatDateTime, humanize } from '../../lib/format.js';
import { routeHref } from '../../lib/route.js';
import { useApi } from '../../state/ApiContext.js';
import { useLive } from '../../state/LiveContext.js';
import { useNow } from '../../state/NowContext.js';
import { useResource } from '../../state/useResource.js';
import { BulkResolveBar } from './BulkResolveBar.js';
import { ConflictTable, type ConflictColumn } from './ConflictTable.js';
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
  const nameOf = (c: ConflictSummary) => c.entity_name ?? c.entity_id;

  const columns: ConflictColumn[] = [
    {
      label: 'Select',
      head: <input type="checkbox" checked={allSelected} onChange={toggleAll} aria-label="Select all conflicts on this page" />,
      className: 'col-check',
      cell: (c) => <input type="checkbox" checked={selected.has(c.id)} onChange={() => toggle(c.id)} aria-label={`Select conflict for ${nameOf(c)}`} />,
    },
    {
      label: 'Skill',
      cell: (c) => (
        <div>
          <a href={routeHref({ name: 'conflict', id: c.id })} className="cell-main">
            {nameOf(c)}
          </a>
          {c.entity_name && <span className="cell-sub">{c.entity_id}</span>}
        </div>
      ),
    },
    { label: 'Severity', cell: (c) => <SeverityBadge severity={c.severity} /> },
    { label: 'Type', cell: (c) => humanize(c.conflict_type) },
    { label: 'Clashing fields', cell: (c) => (c.clashing_fields.length ? c.clashing_fields.join(', ') : 'none (merges cleanly)') },
    { label: 'Detected', cell: (c) => formatAgo(c.detected_at, now), title: (c) => formatDateTime(c.detected_at) },
  ];

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
      <ConflictTable
        list={list}
        columns={columns}
        caption="Open conflicts"
        testId="conflicts-table"
        rowTestId="conflict-row"
        loadingWhat="conflicts"
        empty={<EmptyState title={severity ? `No open ${severity} conflicts` : 'No open conflicts'}>Local edits and Atom SaaS agree.</EmptyState>}
        limit={PAGE}
        offset={offset}
        onOffset={setOffset}
      />
    </>
  );
}
