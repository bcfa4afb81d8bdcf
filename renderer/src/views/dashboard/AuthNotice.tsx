import type { EngineSnapshot } from '../../../../engine/contracts/localHttpApi.js';

/** A refused token stops everything; say so first, and where to fix it without a terminal. */
export function AuthNotice({ snapshot }: { snapshot: EngineSnapshot }) {
  const refused = snapshot.sync.last_error_kind === 'auth' || snapshot.websocket.state === 'auth_failed';
  if (!refused) return null;
  return (
    <div className="message message-error auth-notice card-wide" role="alert" data-testid="auth-notice">
      <span>Atom SaaS did not accept the API token, so nothing is synced.</span>
      <a href="#/connect" className="button button-small">
        Enter a new token
      </a>
    </div>
  );
}
