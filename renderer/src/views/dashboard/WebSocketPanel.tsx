import type { WebSocketState, WebSocketStatusResponse } from '../../../../engine/contracts/localHttpApi.js';
import { formatAgo } from '../../../../engine/status/formatAge.js';
import { formatCount, formatUntil } from '../../lib/format.js';
import { useNow } from '../../state/NowContext.js';

const STATE_WORDS: Record<WebSocketState, string> = {
  connected: 'Connected',
  connecting: 'Connecting',
  backoff: 'Disconnected, waiting to retry',
  disabled: 'Turned off',
  auth_failed: 'Refused: the API token was not accepted',
};

/** The real-time channel: state, reconnects, next retry and the last message. */
export function WebSocketPanel({ websocket }: { websocket: WebSocketStatusResponse }) {
  const now = useNow();
  const tone = websocket.connected ? 'healthy' : websocket.state === 'disabled' ? 'unknown' : websocket.state === 'auth_failed' ? 'unhealthy' : 'degraded';
  return (
    <section className="card" aria-labelledby="ws-title" data-testid="websocket-panel">
      <div className="card-head">
        <h2 id="ws-title">Live updates</h2>
        <span className={`tag tag-${tone}`} data-testid="websocket-state">
          {STATE_WORDS[websocket.state] ?? websocket.state}
        </span>
      </div>
      <dl className="facts">
        <div>
          <dt>Reconnects</dt>
          <dd data-testid="ws-reconnects">{formatCount(websocket.reconnect_count)}</dd>
        </div>
        <div>
          <dt>{websocket.connected ? 'Connected' : 'Next retry'}</dt>
          <dd>{websocket.connected ? formatAgo(websocket.connected_since, now, '–') : websocket.state === 'backoff' ? formatUntil(websocket.next_retry_at, now, 'soon') : '–'}</dd>
        </div>
        <div>
          <dt>Last message</dt>
          <dd>{formatAgo(websocket.last_message, now, 'none yet')}</dd>
        </div>
      </dl>
      {websocket.last_error && !websocket.connected && (
        <p className="last-error">
          <strong>Last error:</strong> {websocket.last_error}
        </p>
      )}
    </section>
  );
}
