import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchRatingItem, BatchRatingResult, RateRequest, RateResponse, RatingListResponse, RemoteRating } from '../../engine/contracts/remote.js';
import { EngineError, ExtensionMissingError, RemoteError } from '../../engine/errors.js';
import { EngineEvents, type EngineEventMap } from '../../engine/events.js';
import type { Logger } from '../../engine/log/index.js';
import { retryDelayMs } from '../../engine/ratings/ratingBackoff.js';
import { pageCursor } from '../../engine/ratings/ratingDownloader.js';
import { RatingSyncService } from '../../engine/ratings/ratingSyncService.js';
import type { MarketplaceClient } from '../../engine/remote/types.js';
import { openDatabase, type Db } from '../../engine/store/database.js';
import { SkillsRepo } from '../../engine/store/skillsRepo.js';
import { ManualClock } from '../support/manualClock.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';

type BatchHandler = (items: readonly BatchRatingItem[]) => Promise<BatchRatingResult[]> | BatchRatingResult[];

/** The remote boundary, scripted: records every call, answers as told. */
class ScriptedClient implements MarketplaceClient {
  batches: BatchRatingItem[][] = [];
  singles: RateRequest[] = [];
  listCalls: Array<{ updatedSince: string | null; page: number }> = [];
  onBatch: BatchHandler = (items) => items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'accepted', rating_id: `r-${i.client_rating_id}` }));
  onRate: (req: RateRequest) => RateResponse = (req) => ({ success: true, rating_id: `single-${this.singles.length}-${req.skill_id}` });
  onList: (q: { updatedSince: string | null; page: number; pageSize: number }) => RatingListResponse = (q) => ({ ratings: [], total: 0, page: q.page, page_size: q.pageSize });

  async uploadRatings(items: readonly BatchRatingItem[]): Promise<BatchRatingResult[]> {
    this.batches.push([...items]);
    return this.onBatch(items);
  }
  async rate(request: RateRequest): Promise<RateResponse> {
    this.singles.push(request);
    return this.onRate(request);
  }
  async listRatings(query: { updatedSince: string | null; page: number; pageSize: number }): Promise<RatingListResponse> {
    this.listCalls.push({ updatedSince: query.updatedSince, page: query.page });
    return this.onList(query);
  }
  listSkills(): never {
    throw new Error('not used');
  }
  getSkill(): never {
    throw new Error('not used');
  }
  listCategories(): never {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

function lineLogger(lines: string[]): Logger {
  const log: Logger = {
    error: (m) => lines.push(`error ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    info: (m, f) => lines.push(`info ${m} ${JSON.stringify(f ?? {})}`),
    debug: () => undefined,
    child: () => log,
  };
  return log;
}

interface Env {
  db: Db;
  client: ScriptedClient;
  clock: ManualClock;
  service: RatingSyncService;
  events: Array<{ name: keyof EngineEventMap; payload: unknown }>;
  logs: string[];
  cleanup: () => void;
}
let env: Env;

function setup(config: Partial<{ ratingBatchSize: number; ratingMaxAttempts: number; ratingSyncIntervalMinutes: number }> = {}, enabled = true): Env {
  const tmp = tempDir('atom-ratings-');
  const db = openDatabase(tmp.file('atom_dev.db'));
  const client = new ScriptedClient();
  const clock = new ManualClock();
  const bus = new EngineEvents();
  const events: Env['events'] = [];
  bus.onAny((name, payload) => events.push({ name, payload }));
  const logs: string[] = [];
  const service = new RatingSyncService({
    db,
    client,
    events: bus,
    clock,
    log: lineLogger(logs),
    config: { ratingBatchSize: 100, ratingMaxAttempts: 5, ratingSyncIntervalMinutes: 30, ...config },
    enabled,
    initialDelayMs: 1_000,
  });
  return { db, client, clock, service, events, logs, cleanup: () => (db.close(), tmp.cleanup()) };
}

function addRatings(n: number, skill = (i: number) => `skill-${i % 5}`): string[] {
  return Array.from({ length: n }, (_, i) => env.service.addLocalRating({ skill_id: skill(i), user_id: 'me', rating: 1 + (i % 5), comment: `c${i}` }).id);
}
const ratingRow = (id: string) => env.db.prepare('SELECT * FROM skill_ratings WHERE id = ?').get(id) as Record<string, unknown>;
const failedRows = () => env.db.prepare('SELECT * FROM failed_rating_uploads ORDER BY id').all() as Array<Record<string, unknown>>;
const uploadEvents = () => env.events.filter((e) => e.name === 'ratings.upload').map((e) => e.payload as EngineEventMap['ratings.upload']);

beforeEach(() => {
  env = setup();
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
  ])('refuses %j with a 400', (input) => {
    expect(() => env.service.addLocalRating(input as never)).toThrow(expect.objectContaining({ status: 400, code: 'invalid_rating' }));
  });

  it('records a valid rating as pending with a uuid id', () => {
    const { id } = env.service.addLocalRating({ skill_id: 's', user_id: 'u', rating: 5 });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(ratingRow(id)).toMatchObject({ origin: 'local', sync_status: 'pending', rating: 5, comment: null, upload_attempts: 0 });
    expect(env.service.status()).toMatchObject({ status: 'idle', pending_count: 1, uploaded_total: 0, failed_count: 0 });
  });
});

describe('upload', () => {
  it('sends pending ratings in batches keyed by their own id and marks them uploaded', async () => {
    const ids = addRatings(250);
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
    const [id] = addRatings(1);
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
    env.cleanup();
    env = setup({ ratingMaxAttempts: 2 });
    new SkillsRepo(env.db).upsertRemote({ skill_id: 'skill-0', name: 'Zero' }, '2026-01-01T00:00:00.000Z');
    const [id] = addRatings(1);
    env.client.onBatch = () => {
      throw new RemoteError('timeout', 'timed out');
    };
    await env.service.syncNow();
    await env.service.syncNow();
    expect(ratingRow(id!)).toMatchObject({ sync_status: 'failed', upload_attempts: 2 });
    const [dead] = failedRows();
    expect(dead).toMatchObject({ rating_id: id, error: 'timed out', attempts: 2, resolved_at: null });
    expect(dead!.next_retry_at).toBe(new Date(env.clock.now() + retryDelayMs(2, 30 * 60_000)).toISOString());
    expect(env.service.failedUploads(10, 0)).toEqual({
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
    expect(env.service.failedUploads(10, 0)).toEqual({ items: [], total: 0 });
  });

  it('dead-letters a rejected rating at once with no automatic retry; a manual retry uploads the same id', async () => {
    const [bad, good] = addRatings(2);
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
    expect(env.service.failedUploads(10, 0).total).toBe(0);
    expect(env.db.prepare('SELECT COUNT(*) FROM skill_ratings').pluck().get()).toBe(2);
    await expect(env.service.retry(99_999)).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });

  it('retryAll queues every open dead letter and empties the list in the background', async () => {
    addRatings(30);
    env.client.onBatch = (items) => items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'rejected', error: 'no' }));
    await env.service.syncNow();
    expect(env.service.status().failed_count).toBe(30);
    env.client.onBatch = (items) => items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'accepted', rating_id: 'y' }));
    expect(env.service.retryAll()).toEqual({ accepted: true, queued: 30 });
    await waitFor(() => env.service.status().failed_count === 0 && env.service.status().status === 'idle');
    expect(env.service.status()).toMatchObject({ uploaded_total: 30, pending_count: 0 });
  });

  it('stops the run on an auth error without burning attempts', async () => {
    const ids = addRatings(250);
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
    addRatings(600);
    env.client.onBatch = () => {
      throw new RemoteError('unavailable', 'HTTP 503');
    };
    await env.service.syncNow();
    expect(env.client.batches).toHaveLength(3);
    const attempted = env.db.prepare('SELECT COUNT(*) FROM skill_ratings WHERE upload_attempts > 0').pluck().get();
    expect(attempted).toBe(300);
  });

  it('falls back to one rate() per rating when the batch extension is missing, logged once', async () => {
    const ids = addRatings(7);
    env.client.onBatch = () => {
      throw new ExtensionMissingError('ratings_batch', 404);
    };
    await env.service.syncNow();
    addRatings(3);
    await env.service.syncNow();
    expect(env.client.batches).toHaveLength(1);
    expect(env.client.singles).toHaveLength(10);
    expect(env.client.singles).toContainEqual({ skill_id: 'skill-0', user_id: 'me', rating: 1, comment: 'c0' });
    expect(ratingRow(ids[0]!)).toMatchObject({ sync_status: 'uploaded' });
    expect(env.logs.filter((l) => l.startsWith('warn') && l.includes('one rating per request'))).toHaveLength(1);
    expect(env.service.status()).toMatchObject({ pending_count: 0, uploaded_total: 10 });
  });

  it('fallback: a 4xx is a rejection, a transient error waits, an auth error stops', async () => {
    env.client.onBatch = () => {
      throw new ExtensionMissingError('ratings_batch', 404);
    };
    const ids = addRatings(3, (i) => `skill-${i}`);
    env.client.onRate = (req) => {
      if (req.skill_id === 'skill-0') throw new RemoteError('rejected', 'HTTP 422 invalid rating', 422);
      if (req.skill_id === 'skill-1') throw new RemoteError('unavailable', 'HTTP 503', 503);
      return { success: true, rating_id: 'single' };
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
    addRatings(300);
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
    addRatings(1);
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
    addRatings(1);
    release();
    await Promise.all([a, b]);
    expect(env.client.batches).toHaveLength(2);
    expect(env.service.status()).toMatchObject({ status: 'idle', pending_count: 0 });
  });

  it('does nothing when disabled', async () => {
    env.cleanup();
    env = setup({}, false);
    addRatings(2);
    expect(env.service.trigger()).toEqual({ accepted: false, reason: 'disabled' });
    await env.service.syncNow();
    expect(env.client.batches).toHaveLength(0);
    expect(env.service.status().status).toBe('disabled');
  });
});

describe('download and aggregates', () => {
  const remote = (n: number, skill: string, at: string): RemoteRating => ({
    rating_id: `rating-${n}`,
    skill_id: skill,
    user_id: `user-${n}`,
    rating: 1 + (n % 5),
    comment: null,
    created_at: at,
    updated_at: at,
  });

  it('stores other users\' ratings page by page, skips our own, moves the cursor', async () => {
    const skills = new SkillsRepo(env.db);
    skills.upsertRemote({ skill_id: 'with-agg', name: 'A', average_rating: 4.5, rating_count: 10 }, '2026-01-01T00:00:00.000Z');
    skills.upsertRemote({ skill_id: 'no-agg', name: 'B' }, '2026-01-01T00:00:00.000Z');
    const [mine] = addRatings(1, () => 'no-agg');
    env.client.onBatch = (items) => items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'accepted', rating_id: 'rating-3' }));
    const all = [
      remote(1, 'with-agg', '2026-02-01T00:00:01.000Z'),
      remote(2, 'no-agg', '2026-02-01T00:00:02.000Z'),
      remote(3, 'no-agg', '2026-02-01T00:00:03.000Z'), // our own upload, echoed back
      remote(4, 'no-agg', '2026-02-01T00:00:04.000Z'),
      remote(5, 'unknown-skill', '2026-02-01T00:00:05.000Z'),
    ];
    env.client.onList = (q) => {
      const from = q.updatedSince ? all.filter((r) => r.updated_at > q.updatedSince!) : all;
      const size = 2; // a server capping page_size below what we asked
      return { ratings: from.slice((q.page - 1) * size, q.page * size), total: from.length, page: q.page, page_size: size };
    };
    await env.service.syncNow();
    expect(env.client.listCalls.map((c) => c.page)).toEqual([1, 2, 3]);
    const stored = env.db.prepare("SELECT id, skill_id, remote_rating_id FROM skill_ratings WHERE origin = 'remote' ORDER BY id").all();
    expect(stored).toEqual([
      { id: 'remote:rating-1', skill_id: 'with-agg', remote_rating_id: 'rating-1' },
      { id: 'remote:rating-2', skill_id: 'no-agg', remote_rating_id: 'rating-2' },
      { id: 'remote:rating-4', skill_id: 'no-agg', remote_rating_id: 'rating-4' },
      { id: 'remote:rating-5', skill_id: 'unknown-skill', remote_rating_id: 'rating-5' },
    ]);
    expect(ratingRow(mine!)).toMatchObject({ origin: 'local', remote_rating_id: 'rating-3' });
    expect(env.db.prepare("SELECT cursor FROM sync_state WHERE stream = 'ratings'").pluck().get()).toBe('2026-02-01T00:00:05.000Z');
    // the remote's own aggregate stays; a skill without one gets it from the ratings held (ours 1, theirs 3 and 5)
    expect(skills.get('with-agg')).toMatchObject({ average_rating: 4.5, rating_count: 10 });
    expect(skills.get('no-agg')).toMatchObject({ average_rating: 3, rating_count: 3 });

    env.client.listCalls = [];
    await env.service.syncNow();
    expect(env.client.listCalls).toEqual([{ updatedSince: '2026-02-01T00:00:05.000Z', page: 1 }]);
  });

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

  it('applies rating_update aggregates and ignores unusable frames', () => {
    const skills = new SkillsRepo(env.db);
    skills.upsertRemote({ skill_id: 's1', name: 'S', average_rating: 1, rating_count: 1 }, '2026-01-01T00:00:00.000Z');
    env.service.applyRatingUpdate({ skill_id: 's1', rating: 5, average_rating: 3, rating_count: 2 });
    expect(skills.get('s1')).toMatchObject({ average_rating: 3, rating_count: 2, local_modified_at: null });
    for (const bad of [null, { skill_id: 's1' }, { skill_id: 's1', average_rating: 9, rating_count: 2 }, { skill_id: 's1', average_rating: 2, rating_count: -1 }]) {
      env.service.applyRatingUpdate(bad);
    }
    expect(skills.get('s1')).toMatchObject({ average_rating: 3, rating_count: 2 });
    expect(() => env.service.applyRatingUpdate({ skill_id: 'not-cached', average_rating: 2, rating_count: 1 })).not.toThrow();
  });
});

describe('pure parts', () => {
  it('backs off 30 s, doubling, capped at the interval', () => {
    expect([1, 2, 3, 4, 10].map((a) => retryDelayMs(a, 30 * 60_000))).toEqual([30_000, 60_000, 120_000, 240_000, 1_800_000]);
    expect(retryDelayMs(1, 10_000)).toBe(10_000);
  });

  it('moves the cursor only past stamps it has seen completely', () => {
    const r = (at: string) => ({ rating_id: at, skill_id: 's', user_id: 'u', rating: 1, comment: null, created_at: at, updated_at: at });
    const page = [r('2026-01-01T00:00:01Z'), r('2026-01-01T00:00:02Z'), r('2026-01-01T00:00:03Z')];
    expect(pageCursor(page, null, false)).toBe('2026-01-01T00:00:02Z');
    expect(pageCursor(page, null, true)).toBe('2026-01-01T00:00:03Z');
    expect(pageCursor([r('2026-01-01T00:00:03Z'), r('2026-01-01T00:00:03Z')], '2026-01-01T00:00:00Z', false)).toBe('2026-01-01T00:00:00Z');
    expect(pageCursor([], '2026-01-01T00:00:00Z', true)).toBe('2026-01-01T00:00:00Z');
  });

  it('EngineError carries the API status', () => {
    expect(new EngineError('x', 409, 'd').status).toBe(409);
  });
});
