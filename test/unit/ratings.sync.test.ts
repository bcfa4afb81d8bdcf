import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError, ExtensionMissingError, RemoteError } from '../../engine/errors.js';
import { retryDelayMs } from '../../engine/ratings/ratingBackoff.js';
import { SkillsRepo } from '../../engine/store/skillsRepo.js';
import { waitFor } from '../support/waitFor.js';
import { addRatings as addTo, failedRows as failedIn, ratingRow as rowIn, setup, uploadEvents as uploadsIn, type Env } from '../support/scriptedRatingService.js';

let env: Env;
const addRatings = (n: number, skill?: (i: number) => string) => addTo(env, n, skill);
const ratingRow = (id: string) => rowIn(env, id);
const failedRows = () => failedIn(env);
const uploadEvents = () => uploadsIn(env);

beforeEach(async () => {
  env = await setup();
});
afterEach(() => env.cleanup());

describe('local ratings', () => {
  it.each([
    [{ skill_id: 's', user_id: 'u', rating: 0 }],
    [{ skill_id: 's', user_id: 'u', rating: 6 }],
    [{ skill_id: 's', user_id: 'u', rating: 3.5 }],
    [{ skill_id: 's', user_id: 'u', rating: '4' }],
    [{ skill_id: '', user_id: 'u', rating: 4 }],
    [{ skill_id: 's', user_id: 'u', rating: 4, comment: 7 }],
  ])('refuses %j with a 400', async (input) => {
    await expect(env.service.addLocalRating(input as never)).rejects.toMatchObject({ status: 400, code: 'invalid_rating' });
    expect(env.db.prepare('SELECT COUNT(*) FROM skill_ratings').pluck().get()).toBe(0);
  });

  it('records a valid rating as pending with a uuid id', async () => {
    const { id } = await env.service.addLocalRating({ skill_id: 's', user_id: 'u', rating: 5 });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(ratingRow(id)).toMatchObject({ origin: 'local', sync_status: 'pending', rating: 5, comment: null, upload_attempts: 0 });
    expect(env.service.status()).toMatchObject({ status: 'idle', pending_count: 1, uploaded_total: 0, failed_count: 0 });
  });

  it('status follows ratings the local Atom inserts with its own SQL, without a sync', async () => {
    const insert = env.db.prepare(
      `INSERT INTO skill_ratings (id, skill_id, user_id, rating, comment, origin, sync_status, created_at, updated_at)
       VALUES (?, 's', ?, 4, NULL, 'local', 'pending', '2026-02-19T10:00:00.000Z', '2026-02-19T10:00:00.000Z')`,
    );
    for (let i = 0; i < 3; i++) insert.run(`atom-${i}`, `u${i}`);
    expect(env.service.status().pending_count).toBe(0); // answered at once, from what was read before
    await waitFor(() => env.service.status().pending_count === 3);
    // Read again at most once a second: a busy snapshot endpoint costs no query per call.
    for (let i = 3; i < 5; i++) insert.run(`atom-${i}`, `u${i}`);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 20));
      expect(env.service.status().pending_count).toBe(3);
    }
    env.clock.advance(1_000);
    await waitFor(() => env.service.status().pending_count === 5);
    expect(env.client.batches).toHaveLength(0);
  });
});

describe('upload', () => {
  it('sends pending ratings in batches keyed by their own id and marks them uploaded', async () => {
    const ids = await addRatings(250);
    env.client.onBatch = (items) =>
      items.map((i, n) => ({ client_rating_id: i.client_rating_id, status: n % 10 === 0 ? 'duplicate' : 'accepted', rating_id: `r-${i.client_rating_id}` }));
    await env.service.syncNow();
    expect(env.client.batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(new Set(env.client.batches.flat().map((i) => i.client_rating_id))).toEqual(new Set(ids));
    for (const id of ids) expect(ratingRow(id)).toMatchObject({ sync_status: 'uploaded', remote_rating_id: `r-${id}`, last_upload_error: null });
    expect(env.service.status()).toMatchObject({ pending_count: 0, uploaded_total: 250, failed_count: 0, last_error: null, status: 'idle' });
    const sum = (result: string) => uploadEvents().filter((e) => e.result === result).reduce((a, e) => a + e.count, 0);
    expect(sum('accepted') + sum('duplicate')).toBe(250);
    expect(sum('duplicate')).toBe(25);
    expect(env.logs.some((l) => l.startsWith('info rating sync finished') && l.includes('"uploaded":225') && l.includes('"duplicate":25'))).toBe(true);
    expect(env.db.prepare("SELECT last_sync FROM sync_state WHERE stream = 'ratings'").pluck().get()).not.toBeNull();
  });

  it('keeps a transiently failed rating pending with backoff; the schedule waits for it, syncNow does not', async () => {
    const [id] = await addRatings(1);
    env.client.onBatch = () => {
      throw new RemoteError('unavailable', 'HTTP 503');
    };
    await env.service.syncNow();
    const t0 = env.clock.now();
    expect(ratingRow(id!)).toMatchObject({ sync_status: 'pending', upload_attempts: 1, last_upload_error: 'HTTP 503', next_attempt_at: new Date(t0 + 30_000).toISOString() });
    expect(env.service.status().last_error).toContain('HTTP 503');
    expect(env.events.some((e) => e.name === 'sync.error' && (e.payload as { operation: string }).operation === 'ratings_upload')).toBe(true);

    env.client.onBatch = (items) => items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'accepted', rating_id: 'x' }));
    env.service.start();
    env.clock.advance(1_000); // first scheduled run: the rating is not due yet
    await waitFor(() => env.service.status().status === 'idle');
    expect(env.client.batches).toHaveLength(1);
    env.clock.advance(30 * 60_000); // next tick, past the backoff
    await waitFor(() => env.client.batches.length === 2 && env.service.status().status === 'idle');
    expect(ratingRow(id!)).toMatchObject({ sync_status: 'uploaded', upload_attempts: 2 });
    expect(env.service.status().last_error).toBeNull();
    await env.service.stop();
  });

  it('moves a rating to the dead letter after the maximum attempts, with automatic retry due later', async () => {
    await env.cleanup();
    env = await setup({ ratingMaxAttempts: 2 });
    new SkillsRepo(env.db).upsertRemote({ skill_id: 'skill-0', name: 'Zero' }, '2026-01-01T00:00:00.000Z');
    const [id] = await addRatings(1);
    env.client.onBatch = () => {
      throw new RemoteError('timeout', 'timed out');
    };
    await env.service.syncNow();
    await env.service.syncNow();
    expect(ratingRow(id!)).toMatchObject({ sync_status: 'failed', upload_attempts: 2 });
    const [dead] = failedRows();
    expect(dead).toMatchObject({ rating_id: id, error: 'timed out', attempts: 2, resolved_at: null });
    expect(dead!.next_retry_at).toBe(new Date(env.clock.now() + retryDelayMs(2, 30 * 60_000)).toISOString());
    expect(await env.service.failedUploads(10, 0)).toEqual({
      items: [expect.objectContaining({ id: dead!.id, rating_id: id, skill_id: 'skill-0', skill_name: 'Zero', error: 'timed out', attempts: 2 })],
      total: 1,
    });
    expect(env.service.status().failed_count).toBe(1);

    // not due: a run leaves it alone; due: the run retries it and it leaves the list
    env.client.onBatch = (items) => items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'accepted', rating_id: 'ok' }));
    await env.service.syncNow();
    expect(env.client.batches).toHaveLength(2);
    env.clock.advance(retryDelayMs(2, 30 * 60_000));
    await env.service.syncNow();
    expect(env.client.batches.at(-1)!.map((i) => i.client_rating_id)).toEqual([id]);
    expect(ratingRow(id!)).toMatchObject({ sync_status: 'uploaded' });
    expect(failedRows()[0]!.resolved_at).not.toBeNull();
    expect(await env.service.failedUploads(10, 0)).toEqual({ items: [], total: 0 });
  });

  it('dead-letters a rejected rating at once with no automatic retry; a manual retry uploads the same id', async () => {
    const [bad, good] = await addRatings(2);
    env.client.onBatch = (items) =>
      items.map((i) =>
        i.client_rating_id === bad ? { client_rating_id: bad, status: 'rejected', error: 'ratings for skill-0 are not accepted' } : { client_rating_id: i.client_rating_id, status: 'accepted', rating_id: 'ok' },
      );
    await env.service.syncNow();
    expect(ratingRow(bad!)).toMatchObject({ sync_status: 'failed', upload_attempts: 1, last_upload_error: 'ratings for skill-0 are not accepted' });
    expect(ratingRow(good!)).toMatchObject({ sync_status: 'uploaded' });
    const [dead] = failedRows();
    expect(dead).toMatchObject({ rating_id: bad, next_retry_at: null, attempts: 1 });
    env.clock.advance(24 * 3_600_000);
    await env.service.syncNow();
    expect(env.client.batches).toHaveLength(1);

    // retried while still refused: attempts grow, error kept
    const again = await env.service.retry(dead!.id as number);
    expect(again).toEqual({ id: dead!.id, result: 'failed', error: 'ratings for skill-0 are not accepted' });
    expect(failedRows()[0]).toMatchObject({ attempts: 2, resolved_at: null });

    env.client.onBatch = (items) => items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'accepted', rating_id: 'fine' }));
    expect(await env.service.retry(dead!.id as number)).toEqual({ id: dead!.id, result: 'uploaded', error: null });
    expect(env.client.batches.at(-1)!.map((i) => i.client_rating_id)).toEqual([bad]);
    expect(ratingRow(bad!)).toMatchObject({ sync_status: 'uploaded', remote_rating_id: 'fine' });
    expect((await env.service.failedUploads(10, 0)).total).toBe(0);
    expect(env.db.prepare('SELECT COUNT(*) FROM skill_ratings').pluck().get()).toBe(2);
    await expect(env.service.retry(99_999)).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });

  it('retryAll queues every open dead letter and empties the list in the background', async () => {
    await addRatings(30);
    env.client.onBatch = (items) => items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'rejected', error: 'no' }));
    await env.service.syncNow();
    expect(env.service.status().failed_count).toBe(30);
    env.client.onBatch = (items) => items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'accepted', rating_id: 'y' }));
    expect(await env.service.retryAll()).toEqual({ accepted: true, queued: 30 });
    await waitFor(() => env.service.status().failed_count === 0 && env.service.status().status === 'idle');
    expect(env.service.status()).toMatchObject({ uploaded_total: 30, pending_count: 0 });
  });

  it('stops the run on an auth error without burning attempts', async () => {
    const ids = await addRatings(250);
    env.client.onBatch = () => {
      throw new RemoteError('auth', 'HTTP 401', 401);
    };
    await env.service.syncNow();
    expect(env.client.batches).toHaveLength(1);
    expect(env.client.listCalls).toHaveLength(0);
    for (const id of ids) expect(ratingRow(id)).toMatchObject({ sync_status: 'pending', upload_attempts: 0 });
    expect(env.service.status().last_error).toBe('HTTP 401');
  });

  it('stops uploading after repeated whole-batch failures and leaves the rest untouched', async () => {
    await addRatings(600);
    env.client.onBatch = () => {
      throw new RemoteError('unavailable', 'HTTP 503');
    };
    await env.service.syncNow();
    expect(env.client.batches).toHaveLength(3);
    const attempted = env.db.prepare('SELECT COUNT(*) FROM skill_ratings WHERE upload_attempts > 0').pluck().get();
    expect(attempted).toBe(300);
  });

  it('falls back to one rate() per rating when the batch extension is missing, logged once', async () => {
    const ids = await addRatings(7);
    env.client.onBatch = () => {
      throw new ExtensionMissingError('ratings_batch', 404);
    };
    await env.service.syncNow();
    await addRatings(3);
    await env.service.syncNow();
    expect(env.client.batches).toHaveLength(1);
    expect(env.client.singles).toHaveLength(10);
    expect(env.client.singles).toContainEqual({ skill_id: 'skill-0', user_id: 'user-0', rating: 1, comment: 'c0' });
    expect(ratingRow(ids[0]!)).toMatchObject({ sync_status: 'uploaded' });
    expect(env.logs.filter((l) => l.startsWith('warn') && l.includes('one rating per request'))).toHaveLength(1);
    expect(env.service.status()).toMatchObject({ pending_count: 0, uploaded_total: 10 });
  });

  it('fallback: a 4xx is a rejection, a transient error waits, an auth error stops', async () => {
    env.client.onBatch = () => {
      throw new ExtensionMissingError('ratings_batch', 404);
    };
    const ids = await addRatings(3, (i) => `skill-${i}`);
    env.client.onRate = (req) => {
      if (req.skill_id === 'skill-0') throw new RemoteError('rejected', 'HTTP 422 invalid rating', 422);
      if (req.skill_id === 'skill-1') throw new RemoteError('unavailable', 'HTTP 503', 503);
      return { status: 'created', ratingId: 'single' };
    };
    await env.service.syncNow();
    expect(ratingRow(ids[0]!)).toMatchObject({ sync_status: 'failed' });
    expect(ratingRow(ids[1]!)).toMatchObject({ sync_status: 'pending', upload_attempts: 1 });
    expect(ratingRow(ids[2]!)).toMatchObject({ sync_status: 'uploaded', remote_rating_id: 'single' });
    env.client.onRate = () => {
      throw new RemoteError('auth', 'HTTP 403', 403);
    };
    await env.service.syncNow();
    expect(ratingRow(ids[1]!)).toMatchObject({ sync_status: 'pending', upload_attempts: 1 });
  });

  it('lets the batch in flight finish on stop() and starts no other', async () => {
    await addRatings(300);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    env.client.onBatch = async (items) => {
      await gate;
      return items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'accepted', rating_id: 'k' }));
    };
    const run = env.service.syncNow();
    await waitFor(() => env.client.batches.length === 1);
    const stopped = env.service.stop();
    release();
    await Promise.all([run, stopped]);
    expect(env.client.batches).toHaveLength(1);
    expect(env.service.status()).toMatchObject({ uploaded_total: 100, pending_count: 200 });
    expect(env.service.trigger()).toEqual({ accepted: false, reason: 'disabled' });
  });

  it('runs one sync at a time: trigger during a run is refused, syncNow queues one more', async () => {
    await addRatings(1);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    env.client.onBatch = async (items) => {
      await gate;
      return items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'accepted', rating_id: 'k' }));
    };
    expect(env.service.trigger()).toEqual({ accepted: true });
    expect(env.service.trigger()).toEqual({ accepted: false, reason: 'in_progress' });
    expect(env.service.status().status).toBe('syncing');
    const a = env.service.syncNow();
    const b = env.service.syncNow();
    await waitFor(() => env.client.batches.length === 1); // the first rating is on its way
    await addRatings(1);
    release();
    await Promise.all([a, b]);
    expect(env.client.batches).toHaveLength(2);
    expect(env.service.status()).toMatchObject({ status: 'idle', pending_count: 0 });
  });

  it('does nothing when disabled', async () => {
    await env.cleanup();
    env = await setup({}, false);
    await addRatings(2);
    expect(env.service.trigger()).toEqual({ accepted: false, reason: 'disabled' });
    await env.service.syncNow();
    expect(env.client.batches).toHaveLength(0);
    expect(env.service.status().status).toBe('disabled');
  });
});

describe('download and aggregates', () => {
  it('skips the download, logged once, when the remote cannot list ratings', async () => {
    env.client.onList = () => {
      throw new ExtensionMissingError('ratings_list', 404);
    };
    await env.service.syncNow();
    await env.service.syncNow();
    expect(env.client.listCalls).toHaveLength(1);
    expect(env.logs.filter((l) => l.includes('cannot list ratings'))).toHaveLength(1);
    expect(env.service.status().last_error).toBeNull();
  });

  it('records a failed download as the run\'s error', async () => {
    env.client.onList = () => {
      throw new RemoteError('unavailable', 'HTTP 502');
    };
    await env.service.syncNow();
    expect(env.service.status().last_error).toContain('HTTP 502');
    expect(env.events.some((e) => e.name === 'sync.error' && (e.payload as { operation: string }).operation === 'ratings_download')).toBe(true);
  });

  it('applies rating_update aggregates and ignores unusable frames', async () => {
    const skills = new SkillsRepo(env.db);
    skills.upsertRemote({ skill_id: 's1', name: 'S', average_rating: 1, rating_count: 1 }, '2026-01-01T00:00:00.000Z');
    await env.service.applyRatingUpdate({ skill_id: 's1', rating: 5, average_rating: 3, rating_count: 2 });
    expect(skills.get('s1')).toMatchObject({ average_rating: 3, rating_count: 2, local_modified_at: null });
    for (const bad of [null, { skill_id: 's1' }, { skill_id: 's1', average_rating: 9, rating_count: 2 }, { skill_id: 's1', average_rating: 2, rating_count: -1 }]) {
      await env.service.applyRatingUpdate(bad);
    }
    expect(skills.get('s1')).toMatchObject({ average_rating: 3, rating_count: 2 });
    expect(env.logs.filter((l) => l.startsWith('warn rating_update frame ignored'))).toHaveLength(4);
    await expect(env.service.applyRatingUpdate({ skill_id: 'not-cached', average_rating: 2, rating_count: 1 })).resolves.toBeUndefined();
  });
});

describe('pure parts', () => {
  it('backs off 30 s, doubling, capped at the interval', () => {
    expect([1, 2, 3, 4, 10].map((a) => retryDelayMs(a, 30 * 60_000))).toEqual([30_000, 60_000, 120_000, 240_000, 1_800_000]);
    expect(retryDelayMs(1, 10_000)).toBe(10_000);
  });

  it('EngineError carries the API status', () => {
    expect(new EngineError('x', 409, 'd').status).toBe(409);
  });
});
