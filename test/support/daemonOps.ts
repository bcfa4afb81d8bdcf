/** Driving a running daemon over its admin API and waiting, bounded, for it to settle. */
import type { RatingStatusResponse, SyncStatusResponse } from '../../engine/contracts/localHttpApi.js';
import { waitFor } from './waitFor.js';
import type { RunningDaemon } from './runningDaemon.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function syncIdle(d: RunningDaemon, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => (await d.call<SyncStatusResponse>('GET', '/api/admin/sync/status')).body.status === 'idle', timeoutMs, 25);
}

/** Runs one catalogue sync to its end (after any run in progress); returns its run id. */
export async function syncOnce(d: RunningDaemon, mode: 'incremental' | 'full' = 'incremental', timeoutMs = 60_000): Promise<number> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await syncIdle(d, timeoutMs);
    const res = await d.call<{ run_id: number }>('POST', `/api/admin/sync/trigger?mode=${mode}`);
    if (res.status === 202) {
      await syncIdle(d, timeoutMs);
      return res.body.run_id;
    }
    if (res.status !== 409) throw new Error(`trigger answered ${res.status}: ${res.text}`);
  }
  throw new Error('could not start a sync: one kept running');
}

/** Rating syncs until nothing local is pending (bounded); returns the final status. */
export async function drainRatings(d: RunningDaemon, timeoutMs = 60_000): Promise<RatingStatusResponse> {
  const deadline = Date.now() + timeoutMs;
  let status: RatingStatusResponse | null = null;
  for (let pass = 0; pass < 20 && Date.now() < deadline; pass++) {
    const res = await d.call('POST', '/api/admin/sync/ratings');
    if (res.status !== 202 && res.status !== 409) throw new Error(`rating trigger answered ${res.status}: ${res.text}`);
    const idle: RatingStatusResponse | null = await waitFor(async () => {
      const s = (await d.call<RatingStatusResponse>('GET', '/api/admin/sync/ratings/status')).body;
      return s.status === 'idle' ? s : null;
    }, Math.max(1, deadline - Date.now()), 25);
    status = idle;
    if (res.status === 202 && idle && idle.pending_count === 0) return idle;
  }
  throw new Error(`ratings still pending after ${timeoutMs} ms: ${JSON.stringify(status)}`);
}
