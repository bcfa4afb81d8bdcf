import type { LiveState } from '../api/liveFeed.js';

/** Says when live updates are down (polling instead) or the engine cannot be reached at all. */
export function ConnectionBanner({ state, error }: { state: LiveState; error: string | null }) {
  if (error) {
    return (
      <div className="connection-banner connection-banner-error" role="alert">
        Cannot reach the sync engine: {error}
      </div>
    );
  }
  if (state === 'polling') {
    return (
      <div className="connection-banner" role="status">
        Live updates interrupted; refreshing every 5 seconds while reconnecting.
      </div>
    );
  }
  return null;
}
