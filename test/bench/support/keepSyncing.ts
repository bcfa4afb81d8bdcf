import type { SyncStatusResponse } from '../../../engine/contracts/localHttpApi.js';
import type { RunningDaemon } from '../../support/runningDaemon.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Keeps a full sync running in the daemon (re-triggering as each ends) until stopped; reports
 * the share of 100 ms samples that found one running, so a figure "during a sync" says how much
 * of its window really was.
 */
export function keepSyncing(d: RunningDaemon) {
  let stop = false;
  let samples = 0;
  let syncing = 0;
  const loop = (async () => {
    for (let i = 0; i < 100_000 && !stop; i++) {
      const status = (await d.call<SyncStatusResponse>('GET', '/api/admin/sync/status')).body.status;
      samples++;
      if (status === 'syncing') syncing++;
      else await d.call('POST', '/api/admin/sync/trigger?mode=full');
      await sleep(100);
    }
  })();
  return {
    async stop(): Promise<number> {
      stop = true;
      await loop;
      return samples === 0 ? 0 : syncing / samples;
    },
  };
}
