import { useState } from 'react';
import type { BulkResolveResponse, ResolutionStrategy } from '../../../../engine/contracts/localHttpApi.js';
import { ActionMessage } from '../../components/States.js';
import { humanize, plural } from '../../lib/format.js';
import { useApi } from '../../state/ApiContext.js';
import { useAction } from '../../state/useAction.js';

type BulkStrategy = Extract<ResolutionStrategy, 'local_wins' | 'remote_wins'>;

const CONSEQUENCE: Record<BulkStrategy, string> = {
  local_wins: 'Your local edits are kept and the remote changes to these skills are discarded.',
  remote_wins: 'The Atom SaaS versions replace your local edits to these skills.',
};

function summary(result: BulkResolveResponse): string {
  const failed = result.failed.length ? ` ${plural(result.failed.length, 'conflict')} could not be resolved: ${result.failed.map((f) => `#${f.id}: ${f.error}`).join('; ')}` : '';
  return `Resolved ${plural(result.resolved, 'conflict')}.${failed}`;
}

/** Resolves the selected conflicts one way, after a confirm step that says what will happen. */
export function BulkResolveBar({ selected, onDone }: { selected: readonly number[]; onDone: () => void }) {
  const api = useApi();
  const action = useAction();
  const [pending, setPending] = useState<BulkStrategy | null>(null);
  const count = selected.length;

  const confirm = async () => {
    if (!pending) return;
    const strategy = pending;
    setPending(null);
    await action.run(() => api.bulkResolve(strategy, selected), summary);
    onDone();
  };

  return (
    <div className="bulk" data-testid="bulk-bar">
      {pending === null ? (
        <div className="bulk-row">
          <span className="bulk-count">{count === 0 ? 'Select conflicts to resolve several at once.' : `${plural(count, 'conflict')} selected`}</span>
          <button type="button" className="button button-small" disabled={count === 0 || action.busy} onClick={() => setPending('local_wins')}>
            Local wins…
          </button>
          <button type="button" className="button button-small" disabled={count === 0 || action.busy} onClick={() => setPending('remote_wins')}>
            Remote wins…
          </button>
        </div>
      ) : (
        <div className="confirm" role="group" aria-labelledby="bulk-confirm-text">
          <p id="bulk-confirm-text">
            Resolve {plural(count, 'conflict')} with <strong>{humanize(pending)}</strong>? {CONSEQUENCE[pending]}
          </p>
          <div className="confirm-buttons">
            <button type="button" className="button button-primary button-small" onClick={() => void confirm()} autoFocus>
              Confirm: {humanize(pending)}
            </button>
            <button type="button" className="button button-small" onClick={() => setPending(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      <ActionMessage message={action.message} tone={action.tone} />
    </div>
  );
}
