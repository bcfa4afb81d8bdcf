/**
 * The server's clock as the rating upload sees it: the offset estimate from Date headers and
 * handed-out stamps, and an update refused as older while the remote holds our own earlier write.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RemoteRating } from '../../engine/contracts/remote.js';
import { EngineEvents } from '../../engine/events.js';
import { silentLogger } from '../../engine/log/index.js';
import { RatingSyncService } from '../../engine/ratings/ratingSyncService.js';
import { ServerClockOffset } from '../../engine/remote/serverClockOffset.js';
import { ratingRow, setup, type Env } from '../support/scriptedRatingService.js';

/** An answer from a server `offsetMs` ahead, its Date header written `serverDelayMs` after the request left. */
function answer(clock: ServerClockOffset, sentAt: number, offsetMs: number, rttMs: number, serverDelayMs = rttMs / 2): void {
  const dateHeader = Math.floor((sentAt + serverDelayMs + offsetMs) / 1000) * 1000;
  clock.recordDate(dateHeader, sentAt, sentAt + rttMs);
}

describe('ServerClockOffset', () => {
  const t0 = Date.parse('2026-06-01T12:00:00.000Z');

  it('is never below the true offset, and at most the header second and a round trip above it', () => {
    for (const offset of [90_000, 90_999, 10_178, -90_000, -1, 0, 437]) {
      for (let phase = 0; phase < 1000; phase += 37) {
        for (const serverDelay of [0, 4, 8]) {
          const clock = new ServerClockOffset();
          answer(clock, t0 + phase, offset, 8, serverDelay);
          const estimate = clock.estimate(t0 + phase + 8)!;
          expect(estimate).toBeGreaterThanOrEqual(offset);
          expect(estimate).toBeLessThanOrEqual(offset + 1000 + 8);
        }
      }
    }
  });

  it('takes the median of recent answers: one slow reply does not move it, a clock step is followed', () => {
    const clock = new ServerClockOffset();
    for (let i = 0; i < 8; i++) answer(clock, t0 + i * 100, 90_000, 4);
    answer(clock, t0 + 900, 90_000, 5_000); // a reply that took 5 s
    expect(clock.estimate(t0 + 6_000)).toBeLessThanOrEqual(91_004);

    for (let i = 0; i < 5; i++) answer(clock, t0 + 10_000 + i * 100, 0, 4); // the server's clock was set right
    expect(clock.estimate(t0 + 11_000)).toBeLessThanOrEqual(1_004);
  });

  it('knows nothing before any answer, nor from answers older than ten minutes', () => {
    const clock = new ServerClockOffset();
    expect(clock.estimate(t0)).toBeNull();
    answer(clock, t0, 5_000, 4);
    expect(clock.estimate(t0 + 60_000)).not.toBeNull();
    expect(clock.estimate(t0 + 11 * 60_000)).toBeNull();
  });

  it('is at least the newest stamp the server handed out; a stamp a day past its header is bad data', () => {
    const clock = new ServerClockOffset();
    answer(clock, t0, 0, 4);
    clock.recordStamp(t0 + 90_000, t0 + 10, t0);
    expect(clock.estimate(t0 + 20)).toBe(90_000 - 10);
    clock.recordStamp(t0 + 2 * 86_400_000, t0 + 20, t0);
    expect(clock.estimate(t0 + 30)).toBe(90_000 - 10);
    clock.recordStamp(t0 - 3_600_000, t0 + 30, t0); // an old row in a listing says nothing against it
    expect(clock.estimate(t0 + 40)).toBe(90_000 - 10);
  });
});

describe('an update refused as older', () => {
  let env: Env;
  beforeEach(async () => {
    env = await setup();
  });
  afterEach(() => env.cleanup());

  /** The remote's listing holds one rating for the pair, with this value and a stamp far ahead. */
  const remoteHolds = (id: string, rating: number, comment: string | null, stamp: string) => {
    const held: RemoteRating = { rating_id: `r-${id}`, skill_id: 's1', user_id: 'u1', rating, comment, created_at: stamp, updated_at: stamp };
    env.client.onList = () => ({ ratings: [held], received: 1, invalid: 0, total: 1, totalPages: 1, pageSize: 500 });
  };
  const refuseUnlessAfter = (id: string, stamp: string) => {
    env.client.onUpdate = (req) => {
      const notBefore = (req as { notBefore?: string }).notBefore;
      return { success: true, rating_id: `r-${id}`, updated: notBefore !== undefined && notBefore >= stamp };
    };
  };

  it('goes once more, stamped after the remote stamp of our own write it still holds', async () => {
    const id = (await env.service.addLocalRating({ skill_id: 's1', user_id: 'u1', rating: 2, comment: 'first' })).id;
    await env.service.syncNow();
    const stamp = '2099-01-01T00:00:00.000Z';
    remoteHolds(id, 2, 'first', stamp);
    refuseUnlessAfter(id, stamp);
    env.db.prepare('UPDATE skill_ratings SET rating = 5, comment = ? WHERE id = ?').run('second', id);
    await env.service.syncNow();

    expect(env.client.updates).toHaveLength(2);
    expect(env.client.updates[1]).toMatchObject({ rating: 5, comment: 'second', notBefore: stamp });
    expect(ratingRow(env, id)).toMatchObject({ sync_status: 'uploaded', rating: 5 });
    expect(ratingRow(env, id).updated_at).not.toBe(stamp); // the local stamp stays the local Atom's
  });

  it('accepts the refusal when the remote holds a value someone else wrote', async () => {
    const id = (await env.service.addLocalRating({ skill_id: 's1', user_id: 'u1', rating: 2, comment: 'first' })).id;
    await env.service.syncNow();
    const stamp = '2099-01-01T00:00:00.000Z';
    remoteHolds(id, 4, 'from the phone', stamp);
    refuseUnlessAfter(id, stamp);
    env.db.prepare('UPDATE skill_ratings SET rating = 5, comment = ? WHERE id = ?').run('second', id);
    await env.service.syncNow();

    expect(env.client.updates).toHaveLength(1);
    expect(ratingRow(env, id)).toMatchObject({ sync_status: 'uploaded', rating: 5 });
  });
  /** The daemon started again on the same database: nothing of the first process's writes in memory. */
  const restarted = () =>
    new RatingSyncService({
      store: env.store,
      client: env.client,
      events: new EngineEvents(),
      clock: env.clock,
      log: silentLogger,
      config: { ratingBatchSize: 100, ratingMaxAttempts: 5, ratingSyncIntervalMinutes: 30 },
      enabled: true,
    });

  it.each([
    ['our uploaded value: sent once more', 2, 'first', 2],
    ['the value of a row that was superseded, never sent: the refusal stands', 3, 'never sent', 1],
  ] as const)('after a restart, learns what we wrote from the uploaded rows of the pair (%s)', async (_name, heldRating, heldComment, puts) => {
    const first = (await env.service.addLocalRating({ skill_id: 's1', user_id: 'u1', rating: 2, comment: 'first' })).id;
    await env.service.syncNow();
    env.clock.advance(1_000);
    const skipped = (await env.service.addLocalRating({ skill_id: 's1', user_id: 'u1', rating: 3, comment: 'never sent' })).id;
    env.clock.advance(1_000);
    const latest = (await env.service.addLocalRating({ skill_id: 's1', user_id: 'u1', rating: 5, comment: 'third' })).id;
    const stamp = '2099-01-01T00:00:00.000Z';
    remoteHolds(first, heldRating, heldComment, stamp);
    refuseUnlessAfter(first, stamp);

    await restarted().syncNow();

    expect(ratingRow(env, skipped)).toMatchObject({ sync_status: 'uploaded', superseded_by: latest });
    expect(env.client.updates).toHaveLength(puts);
    if (puts === 2) expect(env.client.updates[1]).toMatchObject({ rating: 5, comment: 'third', notBefore: stamp });
    expect(ratingRow(env, latest)).toMatchObject({ sync_status: 'uploaded', rating: 5 });
  });
});
