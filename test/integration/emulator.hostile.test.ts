/**
 * The emulator's production-grade hostility, knob by knob, over real HTTP and WebSocket on
 * loopback: churn during a listing, silent page caps, skewed and coarse clocks, inclusive
 * cursors, mixed precision, lost replies after commit, poison items, duplicated and reordered
 * frames, and one rating per (skill, user).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import WebSocket from 'ws';
import type {
  BatchRatingItem,
  BatchRatingResponse,
  RatingListResponse,
  RemoteRating,
  RemoteSkill,
  SkillListResponse,
  WsMessage,
} from '../../engine/contracts/remote.js';
import type { EmulatorFaults, EmulatorRatingsResponse, EmulatorStats } from '../../emulator/types.js';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: <T = Record<string, unknown>>() => T;
}

const SOCKET_ERRORS = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);
const open: WebSocket[] = [];

/** One marketplace call; 'lost' when the connection died before a reply. */
async function attempt(emu: EmulatorHandle, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Reply | 'lost'> {
  try {
    const res = await request(`${emu.apiUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: <T,>() => JSON.parse(text) as T };
  } catch (err) {
    if (SOCKET_ERRORS.has((err as { code?: string }).code ?? '')) return 'lost';
    throw err;
  }
}

async function call(emu: EmulatorHandle, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Reply> {
  const reply = await attempt(emu, method, path, body);
  if (reply === 'lost') throw new Error(`${method} ${path}: the reply was lost`);
  return reply;
}

async function control<T>(emu: EmulatorHandle, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await request(`${emu.baseUrl}/__emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as T };
}

async function setFaults(emu: EmulatorHandle, faults: EmulatorFaults): Promise<void> {
  const res = await control(emu, 'POST', '/faults', faults);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

const rate = (id: string) => `/skills/marketplace/skills/${id}/rate`;
const since = (iso: string) => encodeURIComponent(iso);

/** A connected socket that queues the frames it receives. */
interface Probe {
  ws: WebSocket;
  next(timeoutMs?: number): Promise<WsMessage>;
  take(n: number, timeoutMs?: number): Promise<WsMessage[]>;
}

function connect(url: string): Promise<Probe> {
  const ws = new WebSocket(url);
  open.push(ws);
  const queue: WsMessage[] = [];
  const waiters: Array<(m: WsMessage) => void> = [];
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as WsMessage;
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  const next = (timeoutMs = 2000) =>
    new Promise<WsMessage>((resolve, reject) => {
      const queued = queue.shift();
      if (queued) return resolve(queued);
      const waiter = (m: WsMessage) => {
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error('no frame in time'));
      }, timeoutMs);
      waiters.push(waiter);
    });
  const take = async (n: number, timeoutMs?: number) => {
    const frames: WsMessage[] = [];
    for (let i = 0; i < n; i++) frames.push(await next(timeoutMs));
    return frames;
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, next, take }));
    ws.once('error', reject);
  });
}

/** Frames up to the pong answering a ping sent now (frames go out in order unless reordered). */
async function untilPong(probe: Probe): Promise<WsMessage[]> {
  probe.ws.send(JSON.stringify({ type: 'ping' }));
  const frames: WsMessage[] = [];
  for (let i = 0; i < 1000; i++) {
    const frame = await probe.next();
    if (frame.type === 'pong') return frames;
    frames.push(frame);
  }
  throw new Error('no pong');
}

const skillIdIn = (frame: WsMessage) => (frame.data as { skill_id: string }).skill_id;

afterEach(() => {
  for (const ws of open.splice(0)) ws.terminate();
});

describe('hostile listings', () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator({ skills: 300, seed: 11 });
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(() => emu.reset());

  const page = async (p: number, size: number, extra = '') => {
    const res = await call(emu, 'GET', `/skills/marketplace/skills?page=${p}&page_size=${size}${extra}`);
    expect(res.status).toBe(200);
    return res.json<SkillListResponse>();
  };

  it('listing_churn deletes from the front and adds after each plain page, so offset pages skip rows', async () => {
    const probe = await connect(emu.wsUrl);
    await setFaults(emu, { listing_churn: { delete: 5, add: 2 } });
    const first = await page(1, 50);
    expect(first.skills.map((s) => s.skill_id)).toEqual(Array.from({ length: 50 }, (_, i) => `skill-${String(i + 1).padStart(6, '0')}`));
    expect(first.total).toBe(300);

    // The churn after page 1 is real and pushed: five deletions from the front, two new skills.
    const frames = await probe.take(7);
    const deletes = frames.filter((f) => f.type === 'skill_delete');
    expect(deletes.map(skillIdIn)).toEqual(['skill-000001', 'skill-000002', 'skill-000003', 'skill-000004', 'skill-000005']);
    for (const frame of deletes) expect((frame.data as { updated_at?: string }).updated_at).toBe(frame.timestamp);
    expect(frames.filter((f) => f.type === 'skill_update').map(skillIdIn)).toEqual(['skill-000301', 'skill-000302']);

    // Page 2 starts at offset 50 of the shrunken set: rows 51..55 were never served.
    const second = await page(2, 50);
    expect(second.total).toBe(297);
    expect(second.skills[0]?.skill_id).toBe('skill-000056');
    const served = new Set([...first.skills, ...second.skills].map((s) => s.skill_id));
    for (const skipped of ['skill-000051', 'skill-000055']) expect(served.has(skipped)).toBe(false);

    // Incremental listings do not churn, and show the churn as tombstones and new skills.
    const changed = await page(1, 1000, `&updated_since=${since('2026-06-01T00:00:00Z')}&include_deleted=true`);
    expect(changed.total).toBe(14);
    expect(changed.skills.filter((e) => 'deleted' in e).map((e) => e.skill_id)).toEqual(Array.from({ length: 10 }, (_, i) => `skill-${String(i + 1).padStart(6, '0')}`));
    expect(emu.stats()).toMatchObject({ skills: 294, deleted: 10 });
    await page(1, 10, `&updated_since=${since('2026-06-01T00:00:00Z')}`);
    expect(emu.stats()).toMatchObject({ skills: 294, deleted: 10 });
  });

  it('page_size_cap serves fewer rows than asked while echoing the asked size and its total_pages', async () => {
    await setFaults(emu, { page_size_cap: 40 });
    const first = await page(1, 100);
    expect(first).toMatchObject({ total: 300, page: 1, page_size: 100, total_pages: 3 });
    expect(first.skills).toHaveLength(40);
    const second = await page(2, 100);
    expect(second.skills.map((s) => s.skill_id)[0]).toBe('skill-000041');
    // A client that trusts total_pages stops after 3 pages holding 120 of 300 skills.
    const third = await page(3, 100);
    expect(first.skills.length + second.skills.length + third.skills.length).toBe(120);
    const incremental = await page(1, 100, `&updated_since=${since('2000-01-01T00:00:00Z')}`);
    expect(incremental).toMatchObject({ total: 300, page_size: 100, total_pages: 3 });
    expect(incremental.skills).toHaveLength(40);
    const ratings = (await call(emu, 'GET', '/ratings?page=1&page_size=500')).json<RatingListResponse>();
    expect(ratings.ratings).toHaveLength(40);
    expect(ratings.page_size).toBe(500);
  });

  it('caps every listing at 1000 rows without a 400, echoing the asked size', async () => {
    const big = await startEmulator({ skills: 1500, seed: 11 });
    try {
      for (const path of ['/ratings?page=2&page_size=5000', '/skills/marketplace/skills?page=2&page_size=5000&updated_since=2000-01-01T00:00:00Z']) {
        const res = await call(big, 'GET', path);
        expect(res.status, path).toBe(200);
        const body = res.json<{ total: number; page_size: number; total_pages: number; ratings?: unknown[]; skills?: unknown[] }>();
        expect(body.total, path).toBeGreaterThan(1000);
        expect((body.ratings ?? body.skills)?.length, path).toBe(Math.min(1000, body.total - 1000));
        expect(body).toMatchObject({ page_size: 5000, total_pages: Math.ceil(body.total / 5000) });
      }
    } finally {
      await big.close();
    }
  });

  it('tied mutations stamp every changed row with one updated_at, and skill_delete frames carry it', async () => {
    const probe = await connect(emu.wsUrl);
    const result = emu.mutate({ update: 3, delete: 2, add: 2, tied: true });
    const frames = await probe.take(7);
    const listed = await page(1, 100, `&updated_since=${since('2026-06-01T00:00:00Z')}&include_deleted=true`);
    expect(listed.total).toBe(7);
    const stamps = new Set(listed.skills.map((e) => e.updated_at));
    expect(stamps.size).toBe(1);
    const stamp = [...stamps][0] as string;
    // Within the tie the order is skill_id.
    const ids = listed.skills.map((e) => e.skill_id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids)).toEqual(new Set([...result.updated, ...result.deleted, ...result.added]));
    expect(new Set(frames.map((f) => f.timestamp))).toEqual(new Set([stamp]));
    for (const frame of frames.filter((f) => f.type === 'skill_delete')) expect(frame.data).toEqual({ skill_id: skillIdIn(frame), updated_at: stamp });
    // Without `tied`, stamps stay distinct.
    emu.mutate({ update: 3 });
    const after = await page(1, 100, `&updated_since=${since(stamp)}`);
    expect(new Set(after.skills.map((s) => s.updated_at)).size).toBe(3);
  });

  it('since_inclusive re-sends the boundary rows of both incremental listings', async () => {
    emu.mutate({ update: 2, tied: true });
    const all = await page(1, 1000, `&updated_since=${since('2026-06-01T00:00:00Z')}`);
    const cursor = all.cursor as string;
    expect((await page(1, 100, `&updated_since=${since(cursor)}`)).total).toBe(0);
    await setFaults(emu, { since_inclusive: true });
    const again = await page(1, 100, `&updated_since=${since(cursor)}`);
    expect(again.total).toBe(2);
    expect(again.skills.every((s) => s.updated_at === cursor)).toBe(true);

    const ratings = (await call(emu, 'GET', '/ratings?page=1&page_size=1000')).json<RatingListResponse>();
    const last = ratings.ratings.at(-1) as RemoteRating;
    expect(ratings.cursor).toBe(last.updated_at);
    const boundary = (await call(emu, 'GET', `/ratings?updated_since=${since(last.updated_at)}`)).json<RatingListResponse>();
    expect(boundary.ratings.map((r) => r.rating_id)).toEqual([last.rating_id]);
    await setFaults(emu, {});
    expect((await call(emu, 'GET', `/ratings?updated_since=${since(last.updated_at)}`)).json<RatingListResponse>().total).toBe(0);
  });

  it('poison items carry wrong-typed fields in listings, incremental listings, single GETs and frames', async () => {
    await setFaults(emu, { poison_ids: ['skill-000003'], poison_rate: 0.1, seed: 4 });
    const poisoned = (skills: unknown[]) =>
      (skills as Array<Record<string, unknown>>).filter((s) => typeof s.version !== 'string' || typeof s.name !== 'string').map((s) => s.skill_id as string);
    const listed = [...(await page(1, 150)).skills, ...(await page(2, 150)).skills];
    const bad = poisoned(listed);
    expect(bad).toContain('skill-000003');
    expect(bad.length).toBeGreaterThan(10);
    expect(bad.length).toBeLessThan(60);
    const sample = listed.find((s) => s.skill_id === 'skill-000003') as unknown as Record<string, unknown>;
    expect(sample.version).toBe(42);
    expect(sample.name).toEqual({ en: expect.any(String) });
    // Stable across requests, and the same skills in the incremental listing.
    expect(poisoned([...(await page(1, 150)).skills, ...(await page(2, 150)).skills])).toEqual(bad);
    expect(poisoned((await page(1, 1000, `&updated_since=${since('2000-01-01T00:00:00Z')}`)).skills)).toEqual(bad);
    const one = (await call(emu, 'GET', `/skills/marketplace/skills/${bad[1] as string}`)).json();
    expect(one.version).toBe(42);
    const clean = listed.find((s) => !bad.includes(s.skill_id)) as RemoteSkill;
    expect(typeof (await call(emu, 'GET', `/skills/marketplace/skills/${clean.skill_id}`)).json().name).toBe('string');

    const probe = await connect(emu.wsUrl);
    emu.mutate({ update_ids: ['skill-000003', clean.skill_id] });
    const frames = await probe.take(2);
    expect((frames[0]?.data as unknown as Record<string, unknown>).version).toBe(42);
    expect(typeof (frames[1]?.data as unknown as Record<string, unknown>).version).toBe('string');

    // Another seed picks other skills.
    await setFaults(emu, { poison_rate: 0.1, seed: 5 });
    expect(poisoned([...(await page(1, 150)).skills, ...(await page(2, 150)).skills])).not.toEqual(bad.filter((id) => id !== 'skill-000003'));
  });

  it('refuses out-of-range hostile knobs with 400', async () => {
    for (const faults of [
      { clock_skew_ms: 2 * 86_400_000 },
      { clock_resolution_ms: 0 },
      { listing_churn: { delete: -1 } },
      { listing_churn: { shuffle: 1 } },
      { page_size_cap: 0 },
      { poison_rate: 2 },
      { lost_reply_rate: -0.1 },
      { ws_reorder_rate: 1.5 },
      { since_inclusive: 'yes' },
    ]) {
      expect((await control(emu, 'POST', '/faults', faults)).status, JSON.stringify(faults)).toBe(400);
    }
    expect((await control(emu, 'POST', '/faults', { clock_skew_ms: -86_400_000, clock_resolution_ms: 1000 })).status).toBe(200);
  });
});

describe('hostile clocks', () => {
  let emu: EmulatorHandle;
  let wall = Date.parse('2026-12-01T10:00:00.500Z');
  const HOUR = 3_600_000;
  beforeAll(async () => {
    emu = await startEmulator({ skills: 40, seed: 12, now: () => wall });
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(() => {
    emu.reset();
    wall += 60_000;
  });

  const stampOf = (id: string) => emu.mutate({ update_ids: [id] }) && [...emu.liveSkills()].find((s) => s.skill_id === id)?.updated_at;

  it.each([HOUR, -HOUR])('clock_skew_ms %i moves stamps, frames, rating times and the Date header', async (skew) => {
    await setFaults(emu, { clock_skew_ms: skew });
    const probe = await connect(emu.wsUrl);
    const expected = new Date(wall + skew).toISOString();
    expect(stampOf('skill-000001')).toBe(expected);
    const frame = await probe.next();
    expect(frame).toMatchObject({ type: 'skill_update', timestamp: expected });

    const res = await call(emu, 'GET', '/skills/marketplace/categories');
    expect(res.headers.date).toBe(new Date(wall + skew).toUTCString());
    const controlDate = (await request(`${emu.baseUrl}/__emulator/stats`)).headers.date;
    expect(controlDate).not.toBe(res.headers.date);

    wall += 1_000;
    const rated = await call(emu, 'POST', rate('skill-000002'), { user_id: 'skewed', rating: 4 });
    expect(rated.status).toBe(200);
    const ratingFrame = await probe.next();
    expect(ratingFrame).toMatchObject({ type: 'rating_update', timestamp: new Date(wall + skew).toISOString() });
    const listed = (await call(emu, 'GET', `/ratings?updated_since=${since(new Date(wall - 2 * HOUR).toISOString())}`)).json<RatingListResponse>();
    expect(listed.ratings).toEqual([expect.objectContaining({ user_id: 'skewed', updated_at: new Date(wall + skew).toISOString() })]);
    probe.ws.send(JSON.stringify({ type: 'ping' }));
    expect(await probe.next()).toMatchObject({ type: 'pong', timestamp: new Date(wall + skew).toISOString() });
  });

  it('clearing a skew does not step back; a reset does', async () => {
    await setFaults(emu, { clock_skew_ms: HOUR });
    const ahead = Date.parse(stampOf('skill-000001') as string);
    expect(ahead).toBe(wall + HOUR);
    await setFaults(emu, {});
    expect(Date.parse(stampOf('skill-000002') as string)).toBe(ahead + 1);
    emu.reset();
    expect(Date.parse(stampOf('skill-000003') as string)).toBe(wall);
  });

  it('clock_resolution_ms truncates stamps so changes tie; without it stamps never tie', async () => {
    await setFaults(emu, { clock_resolution_ms: 1000 });
    const result = emu.mutate({ update: 6 });
    const cursor = new Date(wall - 10_000).toISOString();
    const tied = (await call(emu, 'GET', `/skills/marketplace/skills?updated_since=${since(cursor)}`)).json<SkillListResponse>();
    expect(tied.total).toBe(6);
    expect(new Set(tied.skills.map((s) => s.updated_at))).toEqual(new Set([new Date(Math.floor(wall / 1000) * 1000).toISOString()]));
    expect(tied.skills.map((s) => s.skill_id)).toEqual([...result.updated].sort());

    await setFaults(emu, {});
    wall += 60_000;
    emu.mutate({ update: 6 });
    const fresh = (await call(emu, 'GET', `/skills/marketplace/skills?updated_since=${since(new Date(wall - 1).toISOString())}`)).json<SkillListResponse>();
    expect(fresh.total).toBe(6);
    expect(new Set(fresh.skills.map((s) => s.updated_at)).size).toBe(6);
  });

  it('mixed_precision renders whole-second stamps without milliseconds in bodies and frames', async () => {
    await setFaults(emu, { mixed_precision: true });
    const probe = await connect(emu.wsUrl);
    emu.mutate({ update_ids: ['skill-000002'] });
    const text = (await call(emu, 'GET', '/skills/marketplace/skills?page=1&page_size=3')).text;
    expect(text).toContain('"updated_at":"2026-01-01T00:00:00Z"');
    expect(text).toContain(`"updated_at":"${new Date(wall).toISOString()}"`);
    expect(text).not.toContain('.000Z');
    const frame = await probe.next();
    expect(frame.timestamp).toBe(new Date(wall).toISOString());
    expect((frame.data as RemoteSkill).created_at).toBe('2026-01-01T00:00:01Z');
    const ratings = (await call(emu, 'GET', '/ratings?page=1&page_size=5')).text;
    expect(ratings).toMatch(/"updated_at":"2026-01-01T\d\d:\d\d:\d\dZ"/);
    await setFaults(emu, {});
    expect((await call(emu, 'GET', '/skills/marketplace/skills?page=1&page_size=1')).text).toContain('"updated_at":"2026-01-01T00:00:00.000Z"');
  });
});

describe('hostile sockets', () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator({ skills: 100, seed: 13 });
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(() => emu.reset());

  it('ws_duplicate_rate 1 sends every pushed frame twice, pongs once', async () => {
    await setFaults(emu, { ws_duplicate_rate: 1 });
    const probe = await connect(emu.wsUrl);
    const result = emu.mutate({ update: 2 });
    const frames = await untilPong(probe);
    expect(frames.map(skillIdIn)).toEqual([result.updated[0], result.updated[0], result.updated[1], result.updated[1]]);
    expect(frames[0]).toEqual(frames[1]);
  });

  it('ws_reorder_rate 1 holds each frame behind the next one, or sends it after 200 ms', async () => {
    await setFaults(emu, { ws_reorder_rate: 1 });
    const probe = await connect(emu.wsUrl);
    const result = emu.mutate({ update: 4 });
    const [a, b, c, d] = result.updated;
    expect((await probe.take(4)).map(skillIdIn)).toEqual([b, a, d, c]);
    const started = performance.now();
    const lone = emu.mutate({ update: 1 });
    expect(skillIdIn(await probe.next())).toBe(lone.updated[0]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(180);
  });

  it('replays the same duplicated and reordered frames for the same seed', async () => {
    const pattern = async (seed: number) => {
      emu.reset();
      await setFaults(emu, { ws_duplicate_rate: 0.3, ws_reorder_rate: 0.3, seed });
      const probe = await connect(emu.wsUrl);
      const result = emu.mutate({ update: 20 });
      // A held frame goes out within the hold time; after that the queue is complete.
      await new Promise((r) => setTimeout(r, 300));
      const got: string[] = [];
      for (let i = 0; i < 100; i++) {
        const frame = await probe.next(50).catch(() => null);
        if (frame === null) break;
        got.push(skillIdIn(frame));
      }
      probe.ws.terminate();
      return { order: result.updated, got };
    };
    const first = await pattern(21);
    expect(await pattern(21)).toEqual(first);
    expect(first.got.length).toBeGreaterThan(20);
    expect(new Set(first.got)).toEqual(new Set(first.order));
    expect([...new Set(first.got)]).not.toEqual(first.order);
    expect((await pattern(22)).got).not.toEqual(first.got);
  });
});

describe('hostile ratings', () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator({ skills: 200, seed: 14, ratingsPerSkill: 2 });
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(() => emu.reset());

  const item = (id: string, rating: number, extra: Partial<BatchRatingItem> & { updated_at?: string } = {}) => ({
    client_rating_id: id,
    skill_id: 'skill-000010',
    user_id: 'local-user',
    rating,
    comment: `c ${rating}`,
    created_at: '2026-11-01T00:00:00.000Z',
    ...extra,
  });
  const batch = async (...items: unknown[]) => (await call(emu, 'POST', '/ratings/batch', { ratings: items })).json<BatchRatingResponse>().results;
  const report = async () => (await control<EmulatorRatingsResponse>(emu, 'GET', '/ratings')).body;
  const allRatings = async (cursor?: string) => {
    const out: RemoteRating[] = [];
    for (let p = 1; p <= 50; p++) {
      const body = (await call(emu, 'GET', `/ratings?page=${p}&page_size=100${cursor ? `&updated_since=${since(cursor)}` : ''}`)).json<RatingListResponse>();
      out.push(...body.ratings);
      if (p >= (body.total_pages ?? 0)) break;
    }
    return out;
  };

  it('answers 409 with the existing rating_id for a pair that has a rating, or without it when told', async () => {
    const created = await call(emu, 'POST', rate('skill-000005'), { user_id: 'ann', rating: 4 });
    const id = created.json().rating_id as string;
    const again = await call(emu, 'POST', rate('skill-000005'), { skill_id: 'skill-000005', user_id: 'ann', rating: 2 });
    expect(again.status).toBe(409);
    expect(again.json()).toEqual({ error: 'conflict', detail: 'Rating already exists', rating_id: id });
    // A seeded rating counts too: the platform holds one per user.
    const seeded = (await call(emu, 'GET', '/ratings?page=1&page_size=1')).json<RatingListResponse>().ratings[0] as RemoteRating;
    const clash = await call(emu, 'POST', rate(seeded.skill_id), { user_id: seeded.user_id, rating: 1 });
    expect(clash.json()).toMatchObject({ error: 'conflict', rating_id: seeded.rating_id });
    await setFaults(emu, { conflict_omits_rating_id: true });
    const bare = await call(emu, 'POST', rate('skill-000005'), { user_id: 'ann', rating: 2 });
    expect(bare.status).toBe(409);
    expect(bare.json()).toEqual({ error: 'conflict', detail: 'Rating already exists' });
    const got = await report();
    expect(got).toMatchObject({ total: 1, duplicates: [], requests: { create: 1, conflict: 3, update: 0, duplicate: 0 } });
    expect(got.items[0]).toMatchObject({ rating_id: id, rating: 4, writes: 1, via: 'single' });
  });

  it('PUT updates the pair\'s rating, newest timestamp winning, and moves it in updated_since listings', async () => {
    const probe = await connect(emu.wsUrl);
    const before = (await call(emu, 'GET', '/skills/marketplace/skills/skill-000020')).json<RemoteSkill>();
    const created = (await call(emu, 'POST', rate('skill-000020'), { user_id: 'bob', rating: 1, comment: 'meh' })).json();
    const first = await probe.next();
    expect(first.data).toMatchObject({ rating: 1, rating_count: (before.rating_count ?? 0) + 1 });
    const count = (before.rating_count ?? 0) + 1;
    const sum = (before.average_rating ?? 0) * (before.rating_count ?? 0) + 1;
    const cursor = (await call(emu, 'GET', '/ratings?page=1&page_size=1')).json<RatingListResponse>().cursor as string;

    const put = await call(emu, 'PUT', rate('skill-000020'), { skill_id: 'skill-000020', user_id: 'bob', rating: 5 });
    expect(put.status).toBe(200);
    expect(put.json()).toEqual({ success: true, rating_id: created.rating_id, updated: true });
    // The aggregate replaces 1 with 5 rather than adding a rating.
    const update = await probe.next();
    expect(update).toMatchObject({ type: 'rating_update', data: { rating: 5, rating_count: count, rating_id: created.rating_id } });
    expect((update.data as { average_rating: number }).average_rating).toBeCloseTo((sum + 4) / count, 2);
    const moved = await allRatings(cursor);
    expect(moved).toEqual([expect.objectContaining({ rating_id: created.rating_id, rating: 5, comment: 'meh' })]);

    const stale = await call(emu, 'PUT', rate('skill-000020'), { user_id: 'bob', rating: 2, comment: 'old', updated_at: '2020-01-01T00:00:00Z' });
    // A refusal shows what the server holds (unless refusal_omits_held).
    const held = moved[0]!;
    expect(stale.json()).toEqual({ success: true, rating_id: created.rating_id, updated: false, held: { rating: 5, comment: 'meh', updated_at: held.updated_at } });
    await setFaults(emu, { refusal_omits_held: true });
    const bare = await call(emu, 'PUT', rate('skill-000020'), { user_id: 'bob', rating: 2, comment: 'old', updated_at: '2020-01-01T00:00:00Z' });
    expect(bare.json()).toEqual({ success: true, rating_id: created.rating_id, updated: false });
    await setFaults(emu, {});
    const newer = await call(emu, 'PUT', rate('skill-000020'), { user_id: 'bob', rating: 3, comment: null, updated_at: new Date(Date.now() + 60_000).toISOString() });
    expect(newer.json()).toMatchObject({ updated: true });
    expect((await report()).items).toEqual([expect.objectContaining({ rating: 3, comment: null, writes: 5 })]);

    expect((await call(emu, 'PUT', rate('skill-000020'), { user_id: 'nobody', rating: 3 })).status).toBe(404);
    expect((await call(emu, 'PUT', rate('skill-000020'), { user_id: 'bob', rating: 9 })).status).toBe(422);
    expect((await call(emu, 'PUT', rate('skill-000020'), { skill_id: 'skill-000021', user_id: 'bob', rating: 3 })).status).toBe(422);
    expect((await call(emu, 'PUT', rate('skill-999999'), { user_id: 'bob', rating: 3 })).status).toBe(404);
    await setFaults(emu, { reject_ratings_for: ['skill-000020'] });
    expect((await call(emu, 'PUT', rate('skill-000020'), { user_id: 'bob', rating: 4 })).status).toBe(422);
    expect((await report()).requests).toEqual({ create: 1, update: 4, conflict: 0, duplicate: 0 });
  });

  it('keeps the ratings listing ordered by (updated_at, rating_id) when seeded ratings are updated', async () => {
    const before = await allRatings();
    const target = before[3] as RemoteRating;
    const put = await call(emu, 'PUT', rate(target.skill_id), { user_id: target.user_id, rating: target.rating === 5 ? 1 : 5 });
    expect(put.json()).toMatchObject({ rating_id: target.rating_id, updated: true });
    await call(emu, 'POST', rate('skill-000001'), { user_id: 'carol', rating: 2 });
    const after = await allRatings();
    expect(after).toHaveLength(before.length + 1);
    const keys = after.map((r) => `${r.updated_at}|${r.rating_id}`);
    expect(keys).toEqual([...keys].sort());
    expect(new Set(after.map((r) => r.rating_id)).size).toBe(after.length);
    expect(after.at(-2)).toMatchObject({ rating_id: target.rating_id, rating: target.rating === 5 ? 1 : 5 });
    expect(after.at(-1)).toMatchObject({ user_id: 'carol' });
  });

  it('seeds at most one rating per (skill, user), even with many ratings per skill', async () => {
    const dense = await startEmulator({ skills: 20, seed: 14, ratingsPerSkill: 50 });
    try {
      const body = (await call(dense, 'GET', '/ratings?page=1&page_size=1000')).json<RatingListResponse>();
      expect(body.total).toBeGreaterThan(300);
      expect(body.ratings).toHaveLength(body.total);
      const pairs = body.ratings.map((r) => `${r.skill_id}|${r.user_id}`);
      expect(new Set(pairs).size).toBe(pairs.length);
      const skill = (await call(dense, 'GET', '/skills/marketplace/skills/skill-000007')).json<RemoteSkill>();
      expect(body.ratings.filter((r) => r.skill_id === 'skill-000007')).toHaveLength(skill.rating_count ?? -1);
    } finally {
      await dense.close();
    }
  });

  it('a batch never stores a pair twice: retries are duplicates, new content and new ids update the one rating', async () => {
    const [created] = await batch(item('c-1', 3));
    expect(created).toMatchObject({ status: 'accepted', rating_id: expect.any(String) });
    const id = created?.rating_id;
    expect(await batch(item('c-1', 3))).toEqual([{ client_rating_id: 'c-1', status: 'duplicate', rating_id: id }]);
    expect(await batch(item('c-1', 5))).toEqual([{ client_rating_id: 'c-1', status: 'accepted', rating_id: id }]);
    expect(await batch(item('c-2', 4))).toEqual([{ client_rating_id: 'c-2', status: 'accepted', rating_id: id }]);
    // Older than what is stored: acknowledged, nothing changes.
    expect(await batch(item('c-3', 1, { updated_at: '2020-01-01T00:00:00Z' }))).toEqual([{ client_rating_id: 'c-3', status: 'accepted', rating_id: id }]);
    expect((await batch(item('c-4', 2, { updated_at: 'not a time' })))[0]?.status).toBe('rejected');
    const single = await call(emu, 'POST', rate('skill-000010'), { user_id: 'local-user', rating: 1 });
    expect(single.json()).toMatchObject({ error: 'conflict', rating_id: id });

    const got = await report();
    expect(got.total).toBe(1);
    expect(got.duplicates).toEqual([]);
    expect(got.items[0]).toMatchObject({ rating_id: id, rating: 4, client_rating_id: 'c-1', client_rating_ids: ['c-1', 'c-2', 'c-3'], via: 'batch', writes: 5 });
    expect(got.requests).toEqual({ create: 1, update: 3, conflict: 1, duplicate: 1 });
    const listed = (await allRatings()).filter((r) => r.skill_id === 'skill-000010' && r.user_id === 'local-user');
    expect(listed).toEqual([expect.objectContaining({ rating_id: id, rating: 4 })]);
    expect(emu.stats().ratings_received).toBe(1);
  });

  it('lost_reply_rate commits the write, then drops the connection before any reply byte', async () => {
    await setFaults(emu, { lost_reply_rate: 1 });
    expect(await attempt(emu, 'POST', rate('skill-000030'), { user_id: 'dan', rating: 4 })).toBe('lost');
    expect((await report()).items).toEqual([expect.objectContaining({ skill_id: 'skill-000030', user_id: 'dan', rating: 4 })]);
    expect(await attempt(emu, 'PUT', rate('skill-000030'), { user_id: 'dan', rating: 2 })).toBe('lost');
    expect((await report()).items[0]).toMatchObject({ rating: 2, writes: 2 });
    expect(await attempt(emu, 'POST', '/ratings/batch', { ratings: [item('lost-1', 5)] })).toBe('lost');
    // Reads are never lost.
    expect((await call(emu, 'GET', '/skills/marketplace/skills/skill-000030')).status).toBe(200);
    expect((await control<EmulatorStats>(emu, 'GET', '/stats')).body.lost_replies).toBe(3);

    await setFaults(emu, {});
    const retry = await call(emu, 'POST', rate('skill-000030'), { user_id: 'dan', rating: 2 });
    expect(retry.status).toBe(409);
    const stored = (await report()).items;
    expect(retry.json().rating_id).toBe(stored[0]?.rating_id);
    expect(await batch(item('lost-1', 5))).toEqual([{ client_rating_id: 'lost-1', status: 'duplicate', rating_id: stored[1]?.rating_id }]);
    expect((await report()).total).toBe(2);
  });

  it('loses the same replies for the same seed', async () => {
    const run = async () => {
      emu.reset();
      await setFaults(emu, { lost_reply_rate: 0.5, seed: 5 });
      const fates: string[] = [];
      for (let n = 0; n < 16; n++) {
        const reply = await attempt(emu, 'POST', rate(`skill-${String(n + 1).padStart(6, '0')}`), { user_id: 'eve', rating: 3 });
        fates.push(reply === 'lost' ? 'lost' : String(reply.status));
      }
      return fates;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first).toContain('lost');
    expect(first).toContain('200');
    expect((await report()).total).toBe(16);
    expect(emu.stats().lost_replies).toBe(first.filter((f) => f === 'lost').length);
  });
});
