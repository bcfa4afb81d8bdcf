/**
 * Rating sync against a remote that keeps one rating per (skill, user), as the public platform
 * does: the emulator over loopback (sometimes behind a proxy that makes it behave like another
 * server build), the real marketplace client and a real SQLite file that the local Atom writes
 * with plain SQL.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { RemoteRating } from '../../engine/contracts/remote.js';
import { RatingSyncService } from '../../engine/ratings/ratingSyncService.js';
import type { RetryPolicy } from '../../engine/remote/retryPolicy.js';
import type { Db } from '../../engine/store/database.js';
import { skillIdOf } from '../../emulator/dataset.js';
import { API_BASE_PATH, startEmulator, type EmulatorFaults, type EmulatorHandle } from '../../emulator/index.js';
import { LocalAtom } from '../support/localAtom.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';
import { openRatingStack } from './support/ratingService.js';
import { startRemoteProxy, type RemoteProxy } from './support/remoteProxy.js';

const SKILLS = 100;
const BASE_ONLY: EmulatorFaults = { unsupported_extensions: ['ratings_batch'] };
let emu: EmulatorHandle;

beforeAll(async () => {
  emu = await startEmulator({ skills: SKILLS, seed: 11, ratingsPerSkill: 2 });
});
afterAll(async () => {
  await emu.close();
});

interface Env {
  db: Db;
  atom: LocalAtom;
  service: RatingSyncService;
  proxy: RemoteProxy | null;
  close: () => Promise<void>;
}
let env: Env | null = null;

async function setup(opts: { proxy?: boolean; retry?: RetryPolicy; downloadPageSize?: number } = {}): Promise<Env> {
  const tmp = tempDir('atom-ratings-base-');
  const proxy = opts.proxy ? await startRemoteProxy(emu.baseUrl) : null;
  const { db, service, close } = await openRatingStack(tmp.file('atom_dev.db'), {
    apiUrl: proxy ? `${proxy.baseUrl}${API_BASE_PATH}` : emu.apiUrl,
    instanceId: 'ratings-base-api',
    retry: opts.retry ?? { maxAttempts: 4, baseDelayMs: 2, maxDelayMs: 20 },
    downloadPageSize: opts.downloadPageSize,
  });
  const atom = new LocalAtom(tmp.file('atom_dev.db'));
  env = {
    db,
    atom,
    service,
    proxy,
    close: async () => {
      await close();
      await proxy?.close();
      atom.close();
      tmp.cleanup();
    },
  };
  return env;
}

beforeEach(() => emu.reset());
afterEach(async () => {
  await env?.close();
  env = null;
});

// ---- the local Atom, with plain SQL ----

function atomRates(e: Env, skillId: string, userId: string, rating: number, comment: string, at = new Date().toISOString()): string {
  const id = crypto.randomUUID();
  e.atom.db
    .prepare(`INSERT INTO skill_ratings (id, skill_id, user_id, rating, comment, origin, sync_status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'local', 'pending', ?, ?)`)
    .run(id, skillId, userId, rating, comment, at, at);
  return id;
}
const atomReRates = (e: Env, id: string, rating: number, comment: string) =>
  e.atom.db.prepare('UPDATE skill_ratings SET rating = ?, comment = ? WHERE id = ?').run(rating, comment, id);
const row = (e: Env, id: string) => e.db.prepare('SELECT * FROM skill_ratings WHERE id = ?').get(id) as Record<string, unknown>;

// ---- the remote ----

const onRemote = (skillId: string, userId: string) => emu.receivedRatings().items.filter((i) => i.skill_id === skillId && i.user_id === userId);

async function remoteCall(method: 'POST' | 'PUT', skillId: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await request(`${emu.apiUrl}/skills/marketplace/skills/${skillId}/rate`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.body.json()) as Record<string, unknown>;
}

/** Every rating the emulator lists, straight from it. */
async function remoteListing(): Promise<RemoteRating[]> {
  const all: RemoteRating[] = [];
  for (let page = 1; page < 100; page++) {
    const res = await request(`${emu.apiUrl}/ratings?page=${page}&page_size=100`);
    const body = (await res.body.json()) as { ratings: RemoteRating[] };
    all.push(...body.ratings);
    if (body.ratings.length < 100) break;
  }
  return all;
}

const heldRemote = (e: Env) =>
  e.db.prepare("SELECT remote_rating_id AS rating_id, rating, comment FROM skill_ratings WHERE origin = 'remote' ORDER BY remote_rating_id").all();

const rateRequests = (p: RemoteProxy, method: string) => p.requests.filter((r) => r.method === method && r.path.endsWith('/rate')).length;

describe('a 409 for our own (skill, user) is an acknowledgement', () => {
  it.each([false, true])('records the remote id and sends our newer values as an update (409 omits rating_id: %s)', async (omitId) => {
    const e = await setup();
    emu.setFaults({ ...BASE_ONLY, conflict_omits_rating_id: omitId });
    const skill = skillIdOf(1);
    // the same user rated on another device first
    const earlier = await remoteCall('POST', skill, { skill_id: skill, user_id: 'local-user-a', rating: 2, comment: 'from the phone' });
    const id = atomRates(e, skill, 'local-user-a', 5, 'from the desktop');
    await e.service.syncNow();
    expect(row(e, id)).toMatchObject({ sync_status: 'uploaded', remote_rating_id: earlier.rating_id });
    expect(onRemote(skill, 'local-user-a')).toEqual([expect.objectContaining({ rating: 5, comment: 'from the desktop' })]);
    expect(emu.receivedRatings()).toMatchObject({ duplicates: [], requests: { create: 1, conflict: 1, update: 1 } });
    expect(e.service.status()).toMatchObject({ pending_count: 0, failed_count: 0 });
  });
});

describe('a create is never sent twice blindly', () => {
  // Without the listing, the pair's id is not learned from a download in between: the 409 path is taken.
  const baseNoListing: EmulatorFaults = { unsupported_extensions: ['ratings_batch', 'ratings_list'] };

  it('does not retry a POST whose reply was lost; the next pass acknowledges it by 409 and update', async () => {
    const e = await setup();
    emu.setFaults({ ...baseNoListing, lost_reply_rate: 1 });
    const id = atomRates(e, skillIdOf(2), 'local-user-b', 4, 'lost reply');
    await e.service.syncNow();
    expect(emu.receivedRatings().requests).toMatchObject({ create: 1, conflict: 0, update: 0 });
    expect(row(e, id)).toMatchObject({ sync_status: 'pending', upload_attempts: 1 });

    emu.setFaults(baseNoListing);
    await e.service.syncNow();
    expect(row(e, id)).toMatchObject({ sync_status: 'uploaded' });
    const report = emu.receivedRatings();
    expect(report).toMatchObject({ duplicates: [], requests: { create: 1, conflict: 1, update: 1 } });
    expect(onRemote(skillIdOf(2), 'local-user-b')).toEqual([expect.objectContaining({ rating: 4, comment: 'lost reply', writes: 2 })]);
    expect(row(e, id).remote_rating_id).toBe(report.items[0]!.rating_id);
  });

  it('retries a create only when the server refused it unprocessed; an update always', async () => {
    const e = await setup({ proxy: true, retry: { maxAttempts: 4, baseDelayMs: 2, maxDelayMs: 10 } });
    const proxy = e.proxy!;
    emu.setFaults(BASE_ONLY);
    atomRates(e, skillIdOf(9), 'local-user-c0', 3, 'finds out the batch path is missing');
    await e.service.syncNow();
    proxy.requests.length = 0;
    const id = atomRates(e, skillIdOf(3), 'local-user-c', 3, 'first');
    emu.setFaults({ ...BASE_ONLY, http_error_rate: 1, http_status: 500 });
    await e.service.syncNow();
    expect(rateRequests(proxy, 'POST')).toBe(1); // a 500 may come after the server stored it

    proxy.requests.length = 0;
    emu.setFaults({ ...BASE_ONLY, http_error_rate: 1, http_status: 503, retry_after: 0 });
    await e.service.syncNow();
    expect(rateRequests(proxy, 'POST')).toBe(4); // 503 with Retry-After: nothing was done

    emu.setFaults(BASE_ONLY);
    await e.service.syncNow();
    expect(row(e, id)).toMatchObject({ sync_status: 'uploaded' });
    proxy.requests.length = 0;
    atomReRates(e, id, 1, 'second');
    emu.setFaults({ ...BASE_ONLY, http_error_rate: 1, http_status: 500 });
    await e.service.syncNow();
    expect(rateRequests(proxy, 'PUT')).toBe(4); // PUT is idempotent
    expect(rateRequests(proxy, 'POST')).toBe(0);
  });
});

describe('outcomes are recorded as they arrive', () => {
  it('marks each rating uploaded while the one-by-one pass is still sending the others', async () => {
    const e = await setup();
    emu.setFaults({ ...BASE_ONLY, latency_ms: 30 });
    const ids = Array.from({ length: 24 }, (_, i) => atomRates(e, skillIdOf(i), `local-user-d${i}`, 1 + (i % 5), `outcome ${i}`));
    const uploaded = e.db.prepare("SELECT COUNT(*) FROM skill_ratings WHERE origin = 'local' AND sync_status = 'uploaded'").pluck();
    let partial = false;
    const run = e.service.syncNow();
    await waitFor(() => {
      if ((uploaded.get() as number) > 0 && emu.receivedRatings().requests.create < ids.length) partial = true;
      return partial || e.service.status().status === 'idle';
    }, 10_000, 2);
    await run;
    expect(partial).toBe(true);
    expect(uploaded.get()).toBe(ids.length);
  });
});

describe('a 400 from the batch endpoint is not a missing extension', () => {
  it('keeps the batch path (and the ratings listing) after a remote that refused requests with 400', async () => {
    const e = await setup();
    const ids = Array.from({ length: 10 }, (_, i) => atomRates(e, skillIdOf(i), `local-user-e${i}`, 2, `batch ${i}`));
    emu.setFaults({ http_error_rate: 1, http_status: 400 });
    await e.service.syncNow();
    expect(e.service.status().failed_count).toBe(ids.length);

    emu.setFaults({});
    await e.service.retryAll();
    await waitFor(() => e.service.status().failed_count === 0 && e.service.status().status === 'idle', 10_000);
    const items = emu.receivedRatings().items;
    expect(items).toHaveLength(ids.length);
    expect(items.every((i) => i.via === 'batch')).toBe(true);
    expect(e.db.prepare("SELECT COUNT(*) FROM skill_ratings WHERE origin = 'remote'").pluck().get()).toBeGreaterThan(0);
  });
});

describe('a local re-rating is uploaded as an update', () => {
  it.each([
    ['base API', BASE_ONLY],
    ['batch', {}],
  ] as const)('an edited row goes back to pending and is sent as a PUT (%s)', async (_name, faults) => {
    const e = await setup();
    emu.setFaults(faults);
    const skill = skillIdOf(4);
    const id = atomRates(e, skill, 'local-user-f', 2, 'meh');
    await e.service.syncNow();
    const remoteId = row(e, id).remote_rating_id;
    expect(remoteId).toBeTruthy();

    atomReRates(e, id, 5, 'grew on me');
    expect(row(e, id)).toMatchObject({ sync_status: 'pending', upload_attempts: 0, remote_rating_id: remoteId });
    await e.service.syncNow();
    expect(row(e, id)).toMatchObject({ sync_status: 'uploaded', remote_rating_id: remoteId });
    expect(onRemote(skill, 'local-user-f')).toEqual([expect.objectContaining({ rating: 5, comment: 'grew on me', writes: 2 })]);
    expect(emu.receivedRatings()).toMatchObject({ duplicates: [], requests: { create: 1, update: 1, conflict: 0 } });
  });

  it.each([
    ['base API', BASE_ONLY],
    ['batch', {}],
  ] as const)('of several unsent rows for one pair only the newest is sent; the older are superseded (%s)', async (_name, faults) => {
    const e = await setup();
    emu.setFaults(faults);
    const skill = skillIdOf(5);
    const t = Date.now();
    const older = atomRates(e, skill, 'local-user-g', 1, 'first thought', new Date(t - 10_000).toISOString());
    const newest = atomRates(e, skill, 'local-user-g', 4, 'second thought', new Date(t).toISOString());
    const middle = atomRates(e, skill, 'local-user-g', 3, 'in between', new Date(t - 5_000).toISOString());
    await e.service.syncNow();
    expect(row(e, older)).toMatchObject({ sync_status: 'uploaded', superseded_by: newest });
    expect(row(e, middle)).toMatchObject({ sync_status: 'uploaded', superseded_by: newest });
    expect(row(e, newest)).toMatchObject({ sync_status: 'uploaded', superseded_by: null });
    expect(onRemote(skill, 'local-user-g')).toEqual([expect.objectContaining({ rating: 4, comment: 'second thought', writes: 1 })]);
    expect(emu.receivedRatings().requests).toMatchObject({ create: 1, update: 0, conflict: 0 });
    expect(e.service.status()).toMatchObject({ pending_count: 0, failed_count: 0 });
  });

  it('a new row for a pair already uploaded goes as an update of that rating', async () => {
    const e = await setup();
    emu.setFaults(BASE_ONLY);
    const skill = skillIdOf(6);
    const first = atomRates(e, skill, 'local-user-h', 2, 'v1');
    await e.service.syncNow();
    const second = atomRates(e, skill, 'local-user-h', 3, 'v2');
    await e.service.syncNow();
    expect(row(e, second)).toMatchObject({ sync_status: 'uploaded', remote_rating_id: row(e, first).remote_rating_id });
    expect(onRemote(skill, 'local-user-h')).toEqual([expect.objectContaining({ rating: 3, comment: 'v2' })]);
    expect(emu.receivedRatings().requests).toMatchObject({ create: 1, update: 1, conflict: 0 });
  });
});

describe('rating download pages by keyset', () => {
  it('downloads everything from a server that omits total', async () => {
    const e = await setup({ proxy: true, downloadPageSize: 50 });
    e.proxy!.hooks.rewrite = (req, _status, body) => {
      if (req.path.endsWith('/ratings')) {
        const { total: _t, total_pages: _p, ...rest } = body as Record<string, unknown>;
        return rest;
      }
      return body;
    };
    const all = await remoteListing();
    expect(all.length).toBeGreaterThan(120);
    await e.service.syncNow();
    expect(heldRemote(e)).toHaveLength(all.length);
  });

  it('misses nothing when a rating is edited while the download is under way', async () => {
    const e = await setup({ proxy: true, downloadPageSize: 50 });
    let edited: RemoteRating | null = null;
    let firstPage: RemoteRating[] = [];
    e.proxy!.hooks.rewrite = (req, _status, body) => {
      if (req.path.endsWith('/ratings') && firstPage.length === 0) firstPage = (body as { ratings: RemoteRating[] }).ratings;
      return body;
    };
    e.proxy!.hooks.before = async (req) => {
      if (!req.path.endsWith('/ratings') || edited || firstPage.length === 0) return;
      // another user changes a rating the first page held: it moves to the end of the listing
      edited = firstPage[10]!;
      await remoteCall('PUT', edited.skill_id, { user_id: edited.user_id, rating: (edited.rating % 5) + 1, comment: 'edited mid-download' });
    };
    await e.service.syncNow();
    expect(edited).not.toBeNull();
    const all = await remoteListing();
    const expected = all.map((r) => ({ rating_id: r.rating_id, rating: r.rating, comment: r.comment })).sort((a, b) => (a.rating_id < b.rating_id ? -1 : 1));
    expect(heldRemote(e)).toEqual(expected);
  });

  it('stops on a server that answers the same page whatever it is asked', async () => {
    const e = await setup({ proxy: true, downloadPageSize: 50 });
    let frozen: unknown = null;
    e.proxy!.hooks.rewrite = (req, _status, body) => {
      if (!req.path.endsWith('/ratings')) return body;
      frozen ??= { ...(body as Record<string, unknown>), total: 5_000, total_pages: 100 };
      return frozen;
    };
    await e.service.syncNow();
    expect(e.proxy!.requests.filter((r) => r.path.endsWith('/ratings')).length).toBeLessThanOrEqual(3);
    expect(e.service.status().status).toBe('idle');
  });

  it('moves the cursor with each page, so a failed download resumes where it stopped', async () => {
    const e = await setup({ proxy: true, downloadPageSize: 50, retry: { maxAttempts: 2, baseDelayMs: 2, maxDelayMs: 10 } });
    let listings = 0;
    e.proxy!.hooks.before = (req) => {
      if (req.path.endsWith('/ratings') && ++listings >= 3) return { status: 502, body: { error: 'bad_gateway' } };
    };
    await e.service.syncNow();
    expect(e.service.status().last_error).toContain('502');
    const cursor = e.db.prepare("SELECT cursor FROM sync_state WHERE stream = 'ratings'").pluck().get() as string;
    expect(cursor).toBeTruthy();
    const held = heldRemote(e).length;
    expect(held).toBeGreaterThanOrEqual(50);

    e.proxy!.hooks.before = undefined;
    e.proxy!.requests.length = 0;
    await e.service.syncNow();
    const first = e.proxy!.requests.find((r) => r.path.endsWith('/ratings'))!;
    expect(Date.parse(first.query.get('updated_since')!)).toBeLessThan(Date.parse(cursor));
    expect(Date.parse(first.query.get('updated_since')!)).toBeGreaterThan(Date.parse(cursor) - 60_000);
    expect(heldRemote(e)).toHaveLength((await remoteListing()).length);
  });
});
