import type { EngineSnapshot } from '../../../../engine/contracts/localHttpApi.js';
import { ActionMessage } from '../../components/States.js';
import { formatClockTime } from '../../lib/format.js';
import { useApi } from '../../state/ApiContext.js';
import { useLive } from '../../state/LiveContext.js';
import { useNow } from '../../state/NowContext.js';
import { useAction } from '../../state/useAction.js';

interface Reason {
  id: string;
  text: string;
}

/** Why each action cannot be used now (null = usable); shared reasons are said once. */
function reasons(snapshot: EngineSnapshot) {
  const { sync, websocket, ratings } = snapshot;
  const sync_: Reason | null =
    sync.status === 'syncing'
      ? { id: 'reason-syncing', text: 'A sync is running.' }
      : sync.status === 'disabled'
        ? { id: 'reason-sync-off', text: 'Sync is turned off in settings.' }
        : sync.paused
          ? { id: 'reason-paused', text: 'Sync is paused; resume it first.' }
          : null;
  const ratings_: Reason | null =
    ratings.status === 'syncing'
      ? { id: 'reason-ratings-running', text: 'A rating sync is running.' }
      : ratings.status === 'disabled'
        ? { id: 'reason-ratings-off', text: 'Rating sync is turned off.' }
        : null;
  const reconnect: Reason | null = !websocket.enabled || websocket.state === 'disabled' ? { id: 'reason-ws-off', text: 'Live updates are turned off in settings.' } : null;
  const pause: Reason | null = sync.status === 'disabled' ? { id: 'reason-sync-off', text: 'Sync is turned off in settings.' } : null;
  return { sync: sync_, ratings: ratings_, reconnect, pause };
}

function ActionButton(props: { label: string; reason: Reason | null; busy: boolean; onClick: () => void; primary?: boolean }) {
  return (
    <button
      type="button"
      className={`button ${props.primary ? 'button-primary' : ''}`}
      disabled={props.reason !== null || props.busy}
      aria-describedby={props.reason?.id}
      onClick={props.onClick}
    >
      {props.label}
    </button>
  );
}

/** "Paused until 14:05" for a timed pause, "Paused until you resume" otherwise. */
function pausedText(sync: EngineSnapshot['sync'], now: number): string {
  return sync.paused_until ? `Paused until ${formatClockTime(sync.paused_until, now)}` : 'Paused until you resume';
}

/** Sync now, Full resync, Reconnect, Sync ratings, Pause (for an hour)/Resume; disabled ones say why. */
export function SyncActions({ snapshot }: { snapshot: EngineSnapshot }) {
  const api = useApi();
  const now = useNow();
  const live = useLive();
  const action = useAction();
  const why = reasons(snapshot);
  const shown = [why.sync, why.reconnect, why.ratings].filter((r, i, all): r is Reason => r !== null && all.findIndex((o) => o?.id === r.id) === i);
  const run =
    <T,>(call: () => Promise<T>, describe: (result: T) => string) =>
    () =>
      void action.run(call, describe).then(() => live.refresh());

  return (
    <div className="actions-block">
      <div className="actions" role="group" aria-label="Sync actions">
        <ActionButton label="Sync now" primary reason={why.sync} busy={action.busy} onClick={run(() => api.trigger('incremental'), (r) => `Sync started (run ${r.run_id}).`)} />
        <ActionButton label="Full resync" reason={why.sync} busy={action.busy} onClick={run(() => api.trigger('full'), (r) => `Full resync started (run ${r.run_id}).`)} />
        <ActionButton label="Reconnect" reason={why.reconnect} busy={action.busy} onClick={run(() => api.reconnectWebSocket(), () => 'Reconnecting the live connection.')} />
        <ActionButton label="Sync ratings" reason={why.ratings} busy={action.busy} onClick={run(() => api.syncRatings(), () => 'Rating sync started.')} />
        {snapshot.sync.paused ? (
          <ActionButton label="Resume sync" reason={null} busy={action.busy} onClick={run(() => api.resume(), () => 'Scheduled sync resumed.')} />
        ) : (
          <>
            <ActionButton label="Pause sync" reason={why.pause} busy={action.busy} onClick={run(() => api.pause(), () => 'Scheduled sync paused until you resume it.')} />
            <ActionButton label="Pause for 1 hour" reason={why.pause} busy={action.busy} onClick={run(() => api.pause(60), () => 'Scheduled sync paused for an hour.')} />
          </>
        )}
      </div>
      {snapshot.sync.paused && (
        <p className="paused-note" data-testid="paused-until">
          {pausedText(snapshot.sync, now)}.
        </p>
      )}
      {shown.length > 0 && (
        <ul className="action-reasons">
          {shown.map((reason) => (
            <li key={reason.id} id={reason.id}>
              {reason.text}
            </li>
          ))}
        </ul>
      )}
      <ActionMessage message={action.message} tone={action.tone} />
    </div>
  );
}
