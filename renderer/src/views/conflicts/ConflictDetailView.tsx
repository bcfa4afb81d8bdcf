import type { ResolutionStrategy } from '../../../../engine/contracts/localHttpApi.js';
import { SeverityBadge } from '../../components/SeverityBadge.js';
import { ErrorMessage, Loading } from '../../components/States.js';
import { CODE_FIELDS, showValue } from '../../lib/fieldValue.js';
import { formatAgo } from '../../../../engine/status/formatAge.js';
import { formatDateTime, humanize } from '../../lib/format.js';
import { routeHref } from '../../lib/route.js';
import { useApi } from '../../state/ApiContext.js';
import { useLive } from '../../state/LiveContext.js';
import { useNotice } from '../../state/NoticeContext.js';
import { useNow } from '../../state/NowContext.js';
import { navigate } from '../../state/useRoute.js';
import { useResource } from '../../state/useResource.js';
import { DiffView } from './DiffView.js';
import { FieldTable } from './FieldTable.js';
import { ResolvePanel } from './ResolvePanel.js';

/** One conflict: what each side holds, the code diffs, and the ways to resolve it. */
export function ConflictDetailView({ id }: { id: number }) {
  const api = useApi();
  const live = useLive();
  const now = useNow();
  const { show } = useNotice();
  const detail = useResource(() => api.conflict(id), String(id));
  const back = routeHref({ name: 'conflicts', tab: 'open' });

  if (!detail.data) {
    return (
      <section className="view">
        <p className="back-link">
          <a href={back}>← All conflicts</a>
        </p>
        {detail.error ? <ErrorMessage text={detail.error} onRetry={detail.reload} /> : <Loading what="the conflict" />}
      </section>
    );
  }
  const c = detail.data;
  const name = c.entity_name ?? c.entity_id;
  const codeFields = c.fields.filter((f) => CODE_FIELDS.includes(f.field) || f.severity === 'critical');
  const onResolved = (strategy: ResolutionStrategy) => {
    show({ tone: 'success', text: `Conflict for ${name} resolved (${humanize(strategy)}).`, route: back });
    live.refresh();
    navigate(back);
  };

  return (
    <section className="view" aria-labelledby="conflict-title" data-testid="conflict-detail">
      <p className="back-link">
        <a href={c.status === 'resolved' ? routeHref({ name: 'conflicts', tab: 'resolved' }) : back}>← All conflicts</a>
      </p>
      <div className="view-head">
        <h2 id="conflict-title">{name}</h2>
        <SeverityBadge severity={c.severity} />
      </div>
      <dl className="facts facts-inline">
        <div>
          <dt>Skill id</dt>
          <dd>
            <code>{c.entity_id}</code>
          </dd>
        </div>
        <div>
          <dt>Type</dt>
          <dd>{humanize(c.conflict_type)}</dd>
        </div>
        <div>
          <dt>Detected</dt>
          <dd title={formatDateTime(c.detected_at)}>{formatAgo(c.detected_at, now)}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>{c.status === 'resolved' ? `Resolved: ${humanize(c.strategy)} by ${c.resolved_by ?? 'unknown'}, ${formatAgo(c.resolved_at, now)}` : 'Open'}</dd>
        </div>
      </dl>
      {c.fields.length > 0 ? <FieldTable fields={c.fields} /> : <p>No field-level differences were recorded for this conflict.</p>}
      {codeFields.length > 0 && (
        <section className="card card-wide" aria-labelledby="diff-title">
          <h3 id="diff-title">Code changes, local against remote</h3>
          {codeFields.map((f) => (
            <DiffView key={f.field} field={f.field} local={showValue(f.local ?? '')} remote={showValue(f.remote ?? '')} />
          ))}
        </section>
      )}
      {c.status === 'unresolved' && <ResolvePanel conflict={c} onResolved={onResolved} />}
    </section>
  );
}
