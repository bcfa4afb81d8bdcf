/**
 * Bad input from both sides: invalid items mixed into remote pages and socket frames, frames over
 * 1 MiB, and a short seeded fuzz of the local API. The engine skips and counts what is bad,
 * applies the rest, and keeps serving.
 */
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32, pick, type Rng } from '../../emulator/prng.js';
import { skillIdOf } from '../../emulator/dataset.js';
import type { EngineInternals } from '../../engine/index.js';
import { startHarness, syncAndWait, waitFor, type Harness } from '../support/harness.js';
import { catalogueProblems } from '../support/convergence.js';
import { LocalAtom } from '../support/localAtom.js';
import { sumMetric } from './support/metricsText.js';
import { call } from '../support/runningDaemon.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

// Over the real socket, as curl would.
const metric = async (engine: EngineInternals, name: string, labels: Record<string, string> = {}) =>
  sumMetric((await call(engine.url!, 'GET', '/metrics/sync')).text, name, labels);

const descriptionOf = (harness: Harness, id: string) =>
  harness.db.prepare('SELECT description FROM community_skills WHERE skill_id = ?').pluck().get(id) as string | undefined;

describe('malformed remote payloads', () => {
  it('skips and counts invalid items in listings, applies the rest, and takes them once they are fixed', async () => {
    h = await startHarness({ skills: 300, env: { ATOM_LOG_LEVEL: 'error', ATOM_SAAS_SYNC_BATCH_SIZE: '50' }, engine: { listen: true } });
    const { engine, emulator } = h;
    await engine.start();
    const bad = [skillIdOf(10), skillIdOf(11), skillIdOf(120), skillIdOf(299)];
    emulator.mutate({ update_ids: bad.slice(0, 2), set: { name: null } as never, push: false });
    emulator.mutate({ update_ids: [bad[2]!], set: { tags: 'not-a-list' } as never, push: false });
    emulator.mutate({ update_ids: [bad[3]!], set: { rating_count: 'many' } as never, push: false });

    const invalidIds = () => engine.services.sync.recentErrors().filter((e) => e.kind === 'invalid_item').map((e) => e.message.split(':')[0]!);
    const first = await syncAndWait(engine, 'full');
    expect(first.result).toBe('success');
    expect(engine.services.sync.status().skills_cached).toBe(296);
    expect(await metric(engine, 'sync_errors_total', { kind: 'invalid_item' })).toBe(4);
    expect(invalidIds().sort()).toEqual([...bad].sort());
    for (const id of bad) expect(descriptionOf(h, id)).toBeUndefined();

    // cached skills turning invalid keep their last good version; valid changes around them apply
    const valid = emulator.mutate({ update_ids: Array.from({ length: 10 }, (_, i) => skillIdOf(100 + i)), push: false }).updated;
    const turned = [skillIdOf(50), skillIdOf(51)];
    const goodBefore = turned.map((id) => descriptionOf(h!, id));
    emulator.mutate({ update_ids: turned, set: { name: '' } as never, push: false });
    const second = await syncAndWait(engine);
    expect(second.result).toBe('success');
    expect(turned.map((id) => descriptionOf(h!, id))).toEqual(goodBefore);
    const remote = new Map([...emulator.liveSkills()].map((s) => [s.skill_id, s]));
    for (const id of valid) expect(descriptionOf(h, id)).toBe(remote.get(id)!.description);
    // the listing may list a skipped item again (the cursor keeps a safety margin): each time is counted
    const skipped = invalidIds().slice(0, -4);
    expect(new Set(skipped)).toEqual(new Set([...turned, ...skipped.filter((id) => bad.includes(id))]));
    expect(skipped).toEqual(expect.arrayContaining(turned));
    expect(await metric(engine, 'sync_errors_total', { kind: 'invalid_item' })).toBe(4 + skipped.length);

    // fixed upstream: the next sync converges completely
    emulator.mutate({ update_ids: [...bad, ...turned], set: { name: 'Fixed upstream', tags: ['fixed'], rating_count: 3 }, push: false });
    expect((await syncAndWait(engine)).result).toBe('success');
    const local = new LocalAtom(h.dbPath, { readonly: true });
    expect(catalogueProblems(local.skills(), emulator.liveSkills())).toEqual([]);
    local.close();
  });

  it('drops invalid and oversized socket frames, counts them, and keeps the connection', async () => {
    h = await startHarness({ skills: 200, env: { ATOM_LOG_LEVEL: 'error' }, engine: { listen: true } });
    const { engine, emulator } = h;
    await engine.start();
    expect((await syncAndWait(engine)).result).toBe('success');
    await waitFor(() => engine.services.websocket.status().connected, 10_000, 20);
    const reconnectsBefore = engine.services.websocket.status().reconnect_count;
    const connectionsBefore = emulator.wsConnections();
    const dropsBefore = await metric(engine, 'sync_errors_total', { operation: 'websocket' });

    const big = skillIdOf(5);
    const bigBefore = descriptionOf(h, big);
    emulator.mutate({ update_ids: [big], set: { description: 'x'.repeat(1024 * 1024 + 10) } });
    emulator.mutate({ update_ids: [skillIdOf(6)], set: { name: null } as never });
    // a normal frame after the bad ones is applied over the same connection
    const normal = skillIdOf(7);
    emulator.mutate({ update_ids: [normal], set: { description: 'pushed after the bad frames' } });
    await waitFor(() => descriptionOf(h!, normal) === 'pushed after the bad frames', 10_000, 10);

    expect(descriptionOf(h, big)).toBe(bigBefore);
    expect((await metric(engine, 'sync_errors_total', { operation: 'websocket' })) - dropsBefore).toBe(2);
    expect(engine.services.sync.recentErrors().some((e) => /exceeds 1 MiB/.test(e.message))).toBe(true);
    expect(engine.services.websocket.status()).toMatchObject({ connected: true, reconnect_count: reconnectsBefore });
    expect(emulator.wsConnections()).toBe(connectionsBefore);
    expect((await call(engine.url!, 'GET', '/health/live')).status).toBe(200);
  });
});

/** Requests a confused client or a hostile page might send; none may produce a 500, HTML or a stack trace. */
function fuzzRequest(rng: Rng): { method: string; path: string; headers: Record<string, string>; body?: string } {
  const junk = () =>
    // already URL-encoded where needed: the point is what the server does with them
    pick(rng, ['', '0', '-1', '1e309', 'NaN', '%00', '%ff%fe', '..%2f..%2fetc%2fpasswd', '%27%3B%20DROP%20TABLE%20sync_runs%3B--', 'x'.repeat(5000), '%F0%9F%98%80', '%5B%5D', '%7B%7D', 'null', '99999999999999999999', '..', '%']);
  const paths = [
    '/health/sync', '/health/live', '/metrics/sync', '/api/admin/sync/status', '/api/admin/sync/config',
    `/api/admin/sync/trigger?mode=${junk()}`, '/api/admin/sync/trigger', `/api/admin/sync/runs?limit=${junk()}`,
    `/api/admin/sync/conflicts?status=${junk()}&limit=${junk()}&offset=${junk()}`, `/api/admin/sync/conflicts/${junk()}`,
    `/api/admin/sync/conflicts/${junk()}/resolve?strategy=${junk()}`, `/api/admin/sync/conflicts/bulk-resolve?strategy=${pick(rng, ['remote_wins', 'merge', junk()])}`,
    '/api/admin/sync/ratings/status', `/api/admin/sync/ratings/failed-uploads?limit=${junk()}&offset=${junk()}`,
    `/api/admin/sync/ratings/failed-uploads/${junk()}/retry`, '/api/admin/sync/websocket/status', `/api/admin/${junk()}`,
    `/${junk()}`, '/api/admin/sync/status?a=1&a=2',
  ];
  const bodies = ['{', '{"conflict_ids": "all"}', '{"conflict_ids": [1, "x", null, -5, 1e300]}', '{"fields": {"name": {"value": [1,2,3]}}}', '[]', 'null', '"\u0000"', '{"__proto__": {"polluted": true}}', `{"conflict_ids": [${'1,'.repeat(20_000)}1]}`, 'x'.repeat(100_000)];
  const method = pick(rng, ['GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
    body = pick(rng, bodies);
    headers['content-type'] = pick(rng, ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16']);
  }
  if (rng() < 0.1) headers.origin = 'https://evil.example';
  return { method, path: pick(rng, paths), headers, body };
}

describe('API fuzz against the real engine', () => {
  it('answers 300 seeded odd requests with JSON errors, never a 500, and keeps serving', async () => {
    h = await startHarness({ skills: 50, env: { ATOM_LOG_LEVEL: 'error' }, engine: { listen: true } });
    const { engine } = h;
    await engine.start();
    await syncAndWait(engine);
    const base = engine.url!;
    const rng = mulberry32(Number(process.env.ATOM_CHAOS_SEED ?? 99));
    const bad: string[] = [];
    const statuses = new Map<number, number>();
    for (let n = 0; n < 300; n++) {
      const req = fuzzRequest(rng);
      const res = await request(`${base}${req.path}`, { method: req.method as 'GET', headers: req.headers, body: req.body, headersTimeout: 5_000, bodyTimeout: 5_000 });
      const text = await res.body.text();
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const where = `${req.method} ${req.path.slice(0, 80)} → ${res.statusCode}`;
      if (res.statusCode >= 500 && !(res.statusCode === 503 && req.path.startsWith('/health/sync'))) bad.push(`${where}: server error`);
      if (/<html|<!doctype/i.test(text)) bad.push(`${where}: HTML body`);
      if (/\bat .+\.(ts|js):\d+/.test(text)) bad.push(`${where}: stack trace in the body`);
      if (res.statusCode >= 400 && req.method !== 'HEAD') {
        let shape: { error?: unknown; detail?: unknown } = {};
        try {
          shape = JSON.parse(text) as typeof shape;
        } catch {
          bad.push(`${where}: error body is not JSON`);
        }
        if (typeof shape.error !== 'string' || typeof shape.detail !== 'string') bad.push(`${where}: error body lacks {error, detail}`);
      }
    }
    console.log(`API fuzz: ${[...statuses].sort(([a], [b]) => a - b).map(([code, n]) => `${n}× ${code}`).join(', ')}`);
    expect(bad.slice(0, 10)).toEqual([]);
    expect(statuses.size).toBeGreaterThanOrEqual(4);
    expect((await call(base, 'GET', '/health/live')).status).toBe(200);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    await engine.services.sync.idle();
  });
});
