import { useState } from 'react';
import { SeverityBadge } from '../../components/SeverityBadge.js';
import { EmptyState } from '../../components/States.js';
import { formatAgo } from '../../../../engine/status/formatAge.js';
import { formatDateTime, humanize } from '../../lib/format.js';
import { routeHref } from '../../lib/route.js';
import { useApi } from '../../state/ApiContext.js';
import { useLive } from '../../state/LiveContext.js';
import { useNow } from '../../state/NowContext.js';
import { useResource } from '../../state/useResource.js';
import { ConflictTable, type ConflictColumn } from './ConflictTable.js';

const PAGE = 50;

/** History of resolved conflicts: how, by whom, when. */
export function ResolvedConflicts() {
  const api = useApi();
  const live = useLive();
  const now = useNow();
  const [offset, setOffset] = useState(0);
  const list = useResource(() => api.conflicts({ status: 'resolved', limit: PAGE, offset }), `${offset}|${live.snapshot?.conflicts.unresolved}`);
  const columns: ConflictColumn[] = [
    { label: 'Skill', cell: (c) => <a href={routeHref({ name: 'conflict', id: c.id })}>{c.entity_name ?? c.entity_id}</a> },
    { label: 'Severity', cell: (c) => <SeverityBadge severity={c.severity} /> },
    { label: 'Strategy', cell: (c) => humanize(c.strategy) },
    { label: 'Resolved by', cell: (c) => c.resolved_by ?? '–' },
    { label: 'When', cell: (c) => formatAgo(c.resolved_at, now, '–'), title: (c) => formatDateTime(c.resolved_at) },
  ];
  return (
    <ConflictTable
      list={list}
      columns={columns}
      caption="Resolved conflicts, newest first"
      testId="resolved-table"
      rowTestId="resolved-row"
      loadingWhat="resolved conflicts"
      empty={<EmptyState title="No resolved conflicts yet" />}
      limit={PAGE}
      offset={offset}
      onOffset={setOffset}
    />
  );
}
