/**
 * The local Atom holding the database's write lock (another OS process) longer than the store
 * waits: a scheduled rating run fails cleanly with database_busy and loses nothing, runs again
 * once the store reports the lock gone, and a frame or a local rating meanwhile fails on its own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { errorKind } from '../../engine/errors.js';
import { SkillsRepo } from '../../engine/store/skillsRepo.js';
import { holdWriteLock, type HeldLock } from '../support/lockHolder.js';
import { waitFor } from '../support/waitFor.js';
import { addRatings, ratingRow, setup, type Env } from '../support/scriptedRatingService.js';

const BUSY_LIMIT_MS = 300;
let env: Env | null = null;
let lock: HeldLock | null = null;

afterEach(async () => {
  lock?.kill();
  await lock?.released;
  lock = null;
  await env?.cleanup();
  env = null;
});

/** A service whose store gives up after BUSY_LIMIT_MS and calls retryAfterBusy when the lock goes, as the engine wires it. */
async function busyEnv(): Promise<Env & { freed: number[] }> {
  const freed: number[] = [];
  let service: Env['service'] | null = null;
  const e = await setup({}, true, {
    busyLimitMs: BUSY_LIMIT_MS,
    onBusy: (since) => {
      if (since !== null) return;
      freed.push(Date.now());
      service?.retryAfterBusy();
    },
  });
  service = e.service;
  env = e;
  return Object.assign(e, { freed });
}

describe('a database locked by another process', () => {
  it('fails a scheduled run whose outcome cannot be recorded, keeps the ratings pending, and runs again once the lock is gone', async () => {
    const e = await busyEnv();
    const ids = await addRatings(e, 3);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // The local Atom takes the lock while the batch is on its way: its answer cannot be recorded.
      e.client.onBatch = async (items) => {
        lock ??= await holdWriteLock(e.file, 1_500);
        return items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'accepted', rating_id: `r-${i.client_rating_id}` }));
      };
      e.service.start();
      e.clock.advance(1_000); // the first scheduled run
      await waitFor(() => e.client.batches.length === 1 && e.service.status().status === 'idle', 5_000);

      const status = e.service.status();
      expect(status.last_error).toMatch(/locked by another process/);
      expect(e.events).toContainEqual({ name: 'sync.error', payload: expect.objectContaining({ operation: 'ratings_upload', kind: 'database_busy' }) });
      expect(e.logs.some((l) => l.startsWith('warn rating sync finished with errors'))).toBe(true);
      for (const id of ids) expect(ratingRow(e, id)).toMatchObject({ sync_status: 'pending', upload_attempts: 0, remote_rating_id: null });

      // Reads go on meanwhile (WAL): the failed uploads list answers.
      expect(await e.service.failedUploads(10, 0)).toEqual({ items: [], total: 0 });

      await lock!.released;
      await waitFor(() => e.freed.length > 0, 5_000);
      await waitFor(() => e.client.batches.length === 2 && e.service.status().status === 'idle', 5_000);
      expect(e.client.batches[1]!.map((i) => i.client_rating_id).sort()).toEqual([...ids].sort());
      for (const id of ids) expect(ratingRow(e, id)).toMatchObject({ sync_status: 'uploaded', remote_rating_id: `r-${id}` });
      expect(e.service.status()).toMatchObject({ pending_count: 0, uploaded_total: 3, last_error: null });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }, 15_000);

  it('does not run again after the lock goes when the last run did not fail on it', async () => {
    const e = await busyEnv();
    await e.service.syncNow();
    lock = await holdWriteLock(e.file, 600);
    // A write that waits out the limit, so the store reports the lock and then its release.
    await expect(e.service.addLocalRating({ skill_id: 's', user_id: 'u', rating: 4 })).rejects.toSatisfy((error) => errorKind(error) === 'database_busy');
    await lock.released;
    await waitFor(() => e.freed.length > 0, 5_000);
    expect(e.service.status().status).toBe('idle');
    expect(e.client.listCalls).toHaveLength(1);
    expect(e.db.prepare('SELECT COUNT(*) FROM skill_ratings').pluck().get()).toBe(0);
  }, 10_000);

  it('logs and swallows a rating_update frame it cannot write', async () => {
    const e = await busyEnv();
    const skills = new SkillsRepo(e.db);
    skills.upsertRemote({ skill_id: 's1', name: 'S', average_rating: 1, rating_count: 1 }, '2026-01-01T00:00:00.000Z');
    lock = await holdWriteLock(e.file, 1_000);
    await expect(e.service.applyRatingUpdate({ skill_id: 's1', average_rating: 4, rating_count: 9 })).resolves.toBeUndefined();
    expect(e.logs.some((l) => l.startsWith('warn rating_update frame not applied'))).toBe(true);
    await lock.released;
    await e.service.applyRatingUpdate({ skill_id: 's1', average_rating: 4, rating_count: 9 });
    expect(skills.get('s1')).toMatchObject({ average_rating: 4, rating_count: 9 });
  }, 10_000);
});
