/**
 * Upload decisions against a remote that keeps one rating per (skill, user): 409 as an
 * acknowledgement, updates for known pairs, superseded rows, ratings the local Atom changes
 * while they are on their way, per-outcome recording and batches refused as a whole.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExtensionMissingError, RemoteError } from '../../engine/errors.js';
import { waitFor } from '../support/waitFor.js';
import { failedRows, ratingRow, setup, type Env } from '../support/scriptedRatingService.js';

let env: Env;
beforeEach(async () => {
  env = await setup();
});
afterEach(() => env.cleanup());

const row = (id: string) => ratingRow(env, id);
/** The local Atom's own SQL (the engine's connection, but none of its code). */
const atomUpdate = (id: string, rating: number, comment: string) =>
  env.db.prepare('UPDATE skill_ratings SET rating = ?, comment = ? WHERE id = ?').run(rating, comment, id);
const atomInsert = (id: string, skill: string, user: string, rating: number, at: string) =>
  env.db
    .prepare(`INSERT INTO skill_ratings (id, skill_id, user_id, rating, comment, origin, sync_status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'local', 'pending', ?, ?)`)
    .run(id, skill, user, rating, `${id} says ${rating}`, at, at);
const baseApiOnly = () => {
  env.client.onBatch = () => {
    throw new ExtensionMissingError('ratings_batch', 404);
  };
};
const rate = async (skill: string, user: string, rating = 3) => (await env.service.addLocalRating({ skill_id: skill, user_id: user, rating, comment: null })).id;

describe('the re-rating trigger (migration 3)', () => {
  it('puts a rating the local Atom changes back to pending, out of the dead letter, with a new updated_at', async () => {
    const id = await rate('s1', 'u1');
    env.client.onBatch = (items) => items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'rejected', error: 'no' }));
    await env.service.syncNow();
    const before = row(id);
    expect(before).toMatchObject({ sync_status: 'failed', upload_attempts: 1 });
    expect(env.service.status().failed_count).toBe(1);

    atomUpdate(id, 5, 'changed my mind');
    const after = row(id);
    expect(after).toMatchObject({ sync_status: 'pending', upload_attempts: 0, last_upload_error: null, rating: 5 });
    expect(Date.parse(after.updated_at as string)).toBeGreaterThanOrEqual(Date.parse(before.updated_at as string));
    expect(after.updated_at).not.toBe(before.updated_at);
    expect(await env.service.failedUploads(10, 0)).toEqual({ items: [], total: 0 });
    await env.service.refreshStatus();
    expect(env.service.status().failed_count).toBe(0);
  });

  it('keeps an updated_at the local Atom set itself, and ignores writes that change nothing or change sync_status', async () => {
    const id = await rate('s1', 'u1');
    env.db.prepare("UPDATE skill_ratings SET sync_status = 'uploaded' WHERE id = ?").run(id);
    env.db.prepare('UPDATE skill_ratings SET rating = rating WHERE id = ?').run(id);
    expect(row(id).sync_status).toBe('uploaded');
    env.db.prepare("UPDATE skill_ratings SET rating = 1, sync_status = 'failed' WHERE id = ?").run(id);
    expect(row(id).sync_status).toBe('failed'); // whoever moves sync_status decides it
    env.db.prepare("UPDATE skill_ratings SET comment = 'x', updated_at = '2030-01-01T00:00:00.000Z' WHERE id = ?").run(id);
    expect(row(id)).toMatchObject({ sync_status: 'pending', upload_attempts: 0, updated_at: '2030-01-01T00:00:00.000Z' });
  });
});

describe('one rating per (skill, user)', () => {
  it('acknowledges a 409 and follows it with an update carrying our values and updated_at', async () => {
    baseApiOnly();
    const id = await rate('s1', 'u1', 4);
    env.client.onRate = () => ({ status: 'exists', ratingId: null });
    env.client.onUpdate = () => ({ success: true, rating_id: 'theirs-1', updated: false });
    await env.service.syncNow();
    expect(env.client.updates).toEqual([{ skill_id: 's1', user_id: 'u1', rating: 4, comment: null, updated_at: row(id).updated_at }]);
    expect(row(id)).toMatchObject({ sync_status: 'uploaded', remote_rating_id: 'theirs-1' });
  });

  it('keeps the id a 409 named when the update after it fails, and goes straight to the update next time', async () => {
    baseApiOnly();
    const id = await rate('s1', 'u1');
    env.client.onRate = () => ({ status: 'exists', ratingId: 'known-7' });
    env.client.onUpdate = () => {
      throw new RemoteError('timeout', 'PUT timed out');
    };
    await env.service.syncNow();
    expect(row(id)).toMatchObject({ sync_status: 'pending', remote_rating_id: 'known-7', upload_attempts: 1 });
    env.client.onUpdate = () => ({ success: true, rating_id: 'known-7', updated: true });
    await env.service.syncNow();
    expect(env.client.singles).toHaveLength(1);
    expect(env.client.updates).toHaveLength(2);
    expect(row(id)).toMatchObject({ sync_status: 'uploaded', remote_rating_id: 'known-7' });
  });

  it('sends a row with a remote id as an update even when the batch path exists, and creates again after a 404', async () => {
    const id = await rate('s1', 'u1');
    await env.service.syncNow();
    atomUpdate(id, 1, 'again');
    env.client.onUpdate = () => null; // the remote lost the pair
    await env.service.syncNow();
    expect(env.client.batches).toHaveLength(1);
    expect(env.client.updates).toHaveLength(1);
    expect(env.client.singles).toEqual([{ skill_id: 's1', user_id: 'u1', rating: 1, comment: 'again' }]);
    expect(row(id)).toMatchObject({ sync_status: 'uploaded' });
  });

  it('marks the value sent before the request goes, and forgets it when the remote refuses it', async () => {
    const id = await rate('s1', 'u1', 4);
    let seenWhileSending: unknown = null;
    env.client.onBatch = (items) => {
      seenWhileSending = env.db.prepare('SELECT sent_rating FROM skill_ratings WHERE id = ?').pluck().get(id);
      return items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'rejected', error: 'no' }));
    };
    await env.service.syncNow();
    expect(seenWhileSending).toBe(4); // a kill during the request still leaves it on record
    expect(row(id)).toMatchObject({ sync_status: 'failed', sent_rating: null });
  });

  it('sends a newer row of a pair as an update when an earlier value of ours was sent without a recorded answer', async () => {
    atomInsert('a-sent', 's1', 'u1', 2, '2026-02-19T09:00:00.000Z');
    // As a process killed mid-request leaves it: marked sent, no outcome, no remote id.
    env.db.prepare("UPDATE skill_ratings SET sent_rating = 2, sent_comment = 'a-sent says 2' WHERE id = 'a-sent'").run();
    atomInsert('b-new', 's1', 'u1', 5, '2026-02-19T09:30:00.000Z');
    await env.service.syncNow();
    expect(env.client.batches).toHaveLength(0); // a batch answers "accepted" even when newest-wins kept ours
    expect(env.client.updates.map((u) => u.rating)).toEqual([5]);
    expect(row('b-new')).toMatchObject({ sync_status: 'uploaded' });
    expect(row('a-sent')).toMatchObject({ sync_status: 'uploaded', superseded_by: 'b-new' });
  });

  it('supersedes older unsent rows of a pair, dead-lettered ones included, and sends only the newest', async () => {
    atomInsert('a-old', 's1', 'u1', 1, '2026-02-19T09:00:00.000Z');
    env.client.onBatch = (items) => items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'rejected', error: 'no' }));
    await env.service.syncNow();
    expect(failedRows(env)).toHaveLength(1);
    atomInsert('b-new', 's1', 'u1', 5, '2026-02-19T09:30:00.000Z');
    atomInsert('c-mid', 's1', 'u1', 3, '2026-02-19T09:10:00.000Z');
    env.client.onBatch = (items) => items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'accepted', rating_id: 'r' }));
    await env.service.syncNow();
    expect(env.client.batches.at(-1)!.map((i) => i.client_rating_id)).toEqual(['b-new']);
    expect(env.client.batches.at(-1)![0]).toMatchObject({ updated_at: '2026-02-19T09:30:00.000Z', rating: 5 });
    expect(row('a-old')).toMatchObject({ sync_status: 'uploaded', superseded_by: 'b-new' });
    expect(row('c-mid')).toMatchObject({ sync_status: 'uploaded', superseded_by: 'b-new' });
    expect(env.service.status()).toMatchObject({ pending_count: 0, failed_count: 0 });
    expect(env.db.prepare('SELECT COUNT(*) FROM skill_ratings').pluck().get()).toBe(3);
  });
});

/** A sync whose first single create is on its way: the remote answers it (created, `ratingId`) when released. */
async function createOnItsWay(ratingId: string): Promise<{ release: () => void; run: Promise<void> }> {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  env.client.onRate = async () => {
    await gate;
    return { status: 'created', ratingId };
  };
  const run = env.service.syncNow();
  await waitFor(() => env.client.singles.length === 1);
  return { release, run };
}

describe('a rating changed while it is on its way', () => {
  it('is not marked uploaded for the old value: it stays pending, knows its remote id, and its new value follows', async () => {
    baseApiOnly();
    const id = await rate('s1', 'u1', 2);
    const { release, run } = await createOnItsWay('r-1');
    env.clock.advance(1_000);
    atomUpdate(id, 5, 'while uploading');
    const edited = row(id).updated_at as string;
    env.clock.advance(1_000);
    release();
    await run;
    const after = row(id);
    expect(after).toMatchObject({ sync_status: 'pending', remote_rating_id: 'r-1', rating: 5 });
    // ordered after our own write, which the remote stamped with its time
    expect(Date.parse(after.updated_at as string)).toBe(Math.max(Date.parse(edited), env.clock.now()));

    await env.service.syncNow();
    expect(env.client.updates.at(-1)).toMatchObject({ rating: 5, comment: 'while uploading', updated_at: after.updated_at });
    expect(row(id)).toMatchObject({ sync_status: 'uploaded' });
  });

  it('orders a newer row for the pair after the older one the remote just stored', async () => {
    baseApiOnly();
    const older = await rate('s1', 'u1', 2);
    const { release, run } = await createOnItsWay('r-1');
    atomInsert('newer', 's1', 'u1', 4, new Date(env.clock.now()).toISOString());
    env.clock.advance(5_000);
    release();
    await run;
    expect(row(older)).toMatchObject({ sync_status: 'uploaded', remote_rating_id: 'r-1' });
    expect(Date.parse(row('newer').updated_at as string)).toBe(env.clock.now());

    await env.service.syncNow();
    expect(env.client.updates.at(-1)).toMatchObject({ rating: 4, updated_at: new Date(env.clock.now()).toISOString() });
    expect(row('newer')).toMatchObject({ sync_status: 'uploaded', remote_rating_id: 'pair-s1-u1' });
  });
});

describe('recording', () => {
  it('records each one-by-one outcome as it arrives, before the pass ends', async () => {
    baseApiOnly();
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => rate(`s${i}`, 'u1')));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    env.client.onRate = async (req) => {
      if (req.skill_id === 's5') await gate;
      return { status: 'created', ratingId: `r-${req.skill_id}` };
    };
    const run = env.service.syncNow();
    for (let i = 0; i < 100 && ids.slice(0, 5).some((id) => row(id).sync_status !== 'uploaded'); i++) await new Promise((r) => setTimeout(r, 2));
    expect(ids.slice(0, 5).map((id) => row(id).sync_status)).toEqual(Array(5).fill('uploaded'));
    expect(row(ids[5]!).sync_status).toBe('pending');
    release();
    await run;
    expect(row(ids[5]!).sync_status).toBe('uploaded');
  });

  it('splits a batch the remote refuses as a whole until the refused rating is found', async () => {
    const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => rate(`s${i}`, 'u1')));
    const poison = ids[5]!;
    env.client.onBatch = (items) => {
      if (items.some((i) => i.client_rating_id === poison)) throw new RemoteError('rejected', 'HTTP 400 (comment too long)', 400);
      return items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'accepted', rating_id: `r-${i.client_rating_id}` }));
    };
    await env.service.syncNow();
    expect(env.client.batches.length).toBeLessThanOrEqual(2 * ids.length - 1);
    expect(row(poison)).toMatchObject({ sync_status: 'failed', last_upload_error: 'HTTP 400 (comment too long)' });
    for (const id of ids.filter((x) => x !== poison)) expect(row(id)).toMatchObject({ sync_status: 'uploaded' });
    expect(env.client.singles).toHaveLength(0);
  });
});
