import { useState } from 'react';
import type { ConflictDetail, MergeChoice, ResolutionStrategy } from '../../../../engine/contracts/localHttpApi.js';
import { ApiError, errorText } from '../../api/apiError.js';
import { ErrorMessage } from '../../components/States.js';
import { humanize } from '../../lib/format.js';
import { useApi } from '../../state/ApiContext.js';
import { MergeForm } from './MergeForm.js';

/** Local wins, remote wins, or merge (with a choice per clashing field). */
export function ResolvePanel({ conflict, onResolved }: { conflict: ConflictDetail; onResolved: (strategy: ResolutionStrategy) => void }) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [merging, setMerging] = useState(false);
  const [serverFields, setServerFields] = useState<string[]>([]);
  const clashing = conflict.fields.filter((f) => !f.mergeable);
  const deleted = conflict.conflict_type === 'deleted_remotely';

  const resolve = async (strategy: ResolutionStrategy, fields?: Record<string, MergeChoice>) => {
    setBusy(true);
    setError(null);
    try {
      await api.resolveConflict(conflict.id, strategy, fields);
      onResolved(strategy);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'merge_not_possible') {
        setServerFields(err.fields);
        setMerging(true);
      }
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <section className="card card-wide resolve" aria-labelledby="resolve-title" data-testid="resolve-panel">
      <h3 id="resolve-title">Resolve</h3>
      {error && <ErrorMessage text={error} />}
      {!merging && (
        <div className="actions">
          <button type="button" className="button" disabled={busy} onClick={() => void resolve('local_wins')}>
            {humanize('local_wins')}
          </button>
          <button type="button" className="button" disabled={busy} onClick={() => void resolve('remote_wins')}>
            {humanize('remote_wins')}
            {deleted ? ' (delete)' : ''}
          </button>
          {!deleted && (
            <button type="button" className="button button-primary" disabled={busy} onClick={() => setMerging(true)}>
              Merge…
            </button>
          )}
        </div>
      )}
      {merging && (
        <MergeForm
          clashing={clashing}
          busy={busy}
          serverFields={serverFields}
          onSubmit={(fields) => void resolve('merge', Object.keys(fields).length ? fields : undefined)}
          onCancel={() => {
            setMerging(false);
            setServerFields([]);
            setError(null);
          }}
        />
      )}
    </section>
  );
}
