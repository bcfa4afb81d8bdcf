import { useEffect, useRef, useState } from 'react';
import type { EngineSnapshot } from '../../../../engine/contracts/localHttpApi.js';
import { ApiError, errorText } from '../../api/apiError.js';
import { formatCount } from '../../lib/format.js';
import { useApi } from '../../state/ApiContext.js';
import { useLive } from '../../state/LiveContext.js';
import { SyncProgressBar } from '../dashboard/SyncProgressBar.js';

interface Finished {
  run_id: number | null;
  result: string;
  error: string | null;
}

function asFinished(data: unknown): Finished | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  if (typeof d.result !== 'string') return null;
  return { run_id: typeof d.run_id === 'number' ? d.run_id : null, result: d.result, error: typeof d.error === 'string' ? d.error : null };
}

/**
 * The first sync with the new remote: the run the engine started after the change (or one
 * started here, a full listing, when it did not), followed by its progress, then what it brought in.
 */
export function FirstSync({ before, apiUrl, onBack }: { before: EngineSnapshot['sync'] | null; apiUrl: string | null; onBack: () => void }) {
  const api = useApi();
  const live = useLive();
  const [runId, setRunId] = useState<number | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const [finished, setFinished] = useState<Finished | null>(null);
  const seen = useRef<Finished[]>([]);
  const runIdRef = useRef<number | null>(null);

  const { subscribe } = live;
  useEffect(
    () =>
      subscribe((name, data) => {
        if (name !== 'sync.finished') return;
        const event = asFinished(data);
        if (!event) return;
        seen.current.push(event);
        const mine = runIdRef.current;
        if ((mine !== null && event.run_id === mine) || (mine === null && event.result !== 'cancelled')) setFinished(event);
      }),
    [subscribe],
  );

  useEffect(() => {
    let current = true;
    const follow = (id: number | null) => {
      if (!current) return;
      runIdRef.current = id;
      setRunId(id);
      const early = seen.current.find((e) => e.run_id === id);
      if (early) setFinished(early);
    };
    // A new address makes the engine start a full listing by itself: follow that run; start one only when it did not.
    const start = async () => {
      const now = await api.status();
      if (now.status === 'syncing') return follow(now.run_id);
      try {
        follow((await api.trigger('full')).run_id);
      } catch (error) {
        // Started in between: follow that one.
        if (error instanceof ApiError && error.code === 'sync_in_progress') return follow(typeof error.extra.run_id === 'number' ? error.extra.run_id : null);
        throw error;
      }
    };
    start().catch((error: unknown) => {
      if (current) setStartError(errorText(error));
    });
    return () => {
      current = false;
    };
  }, [api]);

  const sync = live.snapshot?.sync ?? null;
  // Missed the event (stream down): a new successful sync time says the same.
  const doneBySnapshot = sync !== null && sync.status !== 'syncing' && sync.last_sync !== null && sync.last_sync !== (before?.last_sync ?? null);
  const outcome: 'running' | 'success' | 'failure' = finished ? (finished.result === 'success' ? 'success' : 'failure') : doneBySnapshot ? 'success' : 'running';

  return (
    <section className="card first-sync" aria-labelledby="first-sync-title" data-testid="first-sync" data-outcome={outcome}>
      <h3 id="first-sync-title">First sync</h3>
      {startError && (
        <div className="message message-error" role="alert">
          The first sync could not start: {startError}
        </div>
      )}
      {!startError && outcome === 'running' && (
        <>
          <p className="card-lead">Connected. Atom Sync is copying the catalogue from Atom SaaS{runId !== null ? ` (run ${runId})` : ''}.</p>
          <SyncProgressBar progress={sync?.status === 'syncing' ? sync.progress : null} mode={null} />
        </>
      )}
      {outcome === 'success' && (
        <div role="status" className="first-sync-done">
          {apiUrl && (
            <p>
              Connected to <code>{apiUrl}</code>.
            </p>
          )}
          <p>
            <strong>First sync done.</strong> {formatCount(sync?.skills_cached ?? 0)} skills and {formatCount(sync?.categories_cached ?? 0)} categories are in your local
            catalogue.
          </p>
          <p>
            <a href="#/" className="button button-primary">
              Go to the dashboard
            </a>
          </p>
        </div>
      )}
      {outcome === 'failure' && (
        <div role="alert" className="message message-error first-sync-failed">
          <span>
            The first sync {finished?.result === 'cancelled' ? 'was cancelled' : 'failed'}
            {finished?.error ? `: ${finished.error}` : sync?.last_error ? `: ${sync.last_error}` : '.'}
          </span>
          <button type="button" className="button button-small" onClick={onBack}>
            Back to the connection
          </button>
        </div>
      )}
    </section>
  );
}
