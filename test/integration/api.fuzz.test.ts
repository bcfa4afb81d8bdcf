import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/apiHarness.js';

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20260219);
const ROUNDS = 2000;
const TIME_BUDGET_MS = 20_000;

const TEMPLATES = [
  '/', '/health/sync', '/health/live', '/metrics/sync', '/api/admin/sync/trigger', '/api/admin/sync/status', '/api/admin/sync/config',
  '/api/admin/sync/ratings', '/api/admin/sync/ratings/status', '/api/admin/sync/ratings/failed-uploads',
  '/api/admin/sync/ratings/failed-uploads/{id}/retry', '/api/admin/sync/ratings/failed-uploads/retry-all',
  '/api/admin/sync/websocket/status', '/api/admin/sync/websocket/reconnect', '/api/admin/sync/conflicts', '/api/admin/sync/conflicts/{id}',
  '/api/admin/sync/conflicts/{id}/resolve', '/api/admin/sync/conflicts/bulk-resolve', '/api/admin/sync/runs', '/api/admin/sync/errors',
  '/api/admin/sync/snapshot', '/api/admin/sync/pause', '/api/admin/sync/resume', '/api/admin/sync/events', '/api/admin/{x}', '/{x}', '/{x}/{x}',
];
const IDS = ['1', '2', '0', '-1', 'abc', '1.5', '9'.repeat(30), '%00', '%E0%A4%A', '..%2F..', '%2e%2e', '1e3', ' 1', '💥', '{id}', ''];
const SEGMENTS = ['x', 'api', 'health', '..', '.', '%', '%%', '%zz', 'index.html', 'a.js', 'A'.repeat(300), '__proto__', 'constructor', '%2F'];
const KEYS = ['limit', 'offset', 'strategy', 'status', 'severity', 'mode', 'stream', 'id', '__proto__', 'constructor', 'a[b]', 'x'];
const VALUES = [
  '', '1', '0', '-5', '500', '501', '99999999999999999999', 'abc', 'merge', 'local_wins', 'remote_wins', 'full', 'incremental', 'all', 'resolved',
  'high', 'skills', '%00', '%E0', '%', '<script>', "'; DROP TABLE x;--", 'NaN', 'Infinity', '1e9', '[]', '{}', 'true',
];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
const BODIES = [
  undefined, '', '{}', '[]', 'null', '"x"', '{"conflict_ids":[1,2,3]}', '{"conflict_ids":"all"}', '{"conflict_ids":[{"a":1}]}',
  '{"fields":{"name":"local"}}', '{"fields":{"name":{"value":[1,2]}}}', '{"fields":null}', '{"__proto__":{"polluted":1}}', '{bad json',
  '{"a":', '\u0000\u0001\u0002', '{"conflict_ids":[' + '1,'.repeat(100) + '1]}', 'x'.repeat(70 * 1024),
];
const CONTENT_TYPES = [undefined, 'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'application/merge-patch+json', 'multipart/form-data; boundary=x'];

function randomCase(rand: ReturnType<typeof prng>, port: number) {
  let path = rand.pick(TEMPLATES).replace(/\{id\}/g, () => rand.pick(IDS)).replace(/\{x\}/g, () => rand.pick(SEGMENTS));
  const params = rand.int(4);
  const query: string[] = [];
  for (let i = 0; i < params; i++) query.push(`${rand.pick(KEYS)}=${rand.pick(VALUES)}`);
  if (query.length) path += `?${query.join('&')}`;
  // Node's client refuses spaces and non-ASCII in a path; a browser would percent-encode them too.
  path = path.replace(/[^\u0021-\u007e]/gu, (ch) => encodeURIComponent(ch));
  const headers: Record<string, string> = { host: rand.next() < 0.9 ? `localhost:${port}` : rand.pick(['evil.example', '127.0.0.1', '[::1]:1', 'localhost:abc', '']) };
  if (rand.next() < 0.1) headers.origin = rand.pick(['http://evil.example', `http://localhost:${port}`, 'null', 'file://']);
  if (rand.next() < 0.05) headers['sec-fetch-site'] = rand.pick(['cross-site', 'same-origin', 'none']);
  if (rand.next() < 0.05) headers.authorization = rand.pick(['Bearer x', 'Basic Zm9vOmJhcg==', 'Bearer', '']);
  if (rand.next() < 0.1) headers['accept'] = rand.pick(['text/html', 'application/json', 'text/event-stream', '*/*']);
  const method = rand.pick(METHODS);
  const body = method === 'GET' || method === 'HEAD' ? undefined : rand.pick(BODIES);
  const type = rand.pick(CONTENT_TYPES);
  if (body !== undefined && type) headers['content-type'] = type;
  if (headers.host === '') delete headers.host;
  return { method, path, headers, body };
}

interface Outcome {
  status: number;
  contentType: string;
  text: string;
}

function send(port: number, agent: http.Agent, c: ReturnType<typeof randomCase>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const headers = { ...c.headers };
    if (c.body !== undefined) headers['content-length'] = String(Buffer.byteLength(c.body));
    const req = http.request({ host: '127.0.0.1', port, method: c.method, path: c.path, headers, agent }, (res) => {
      const contentType = String(res.headers['content-type'] ?? '');
      if (contentType.startsWith('text/event-stream')) {
        // A live stream never ends by itself: its status is all this case needs.
        res.destroy();
        resolve({ status: res.statusCode ?? 0, contentType, text: '' });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(c.body);
  });
}

describe('API fuzz', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it(`${ROUNDS} random requests (seed ${SEED}) get no 5xx, no HTML, no stack trace, and the server stays up`, async () => {
    const rand = prng(SEED);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const started = Date.now();
    const statuses = new Map<number, number>();
    let done = 0;
    try {
      for (; done < ROUNDS && Date.now() - started < TIME_BUDGET_MS; done++) {
        const c = randomCase(rand, h.port);
        // Runs started by the fuzz end at once, so later cases meet an idle engine as often as a busy one.
        if (h.fakes.sync.active && rand.next() < 0.5) h.fakes.sync.finish();
        let outcome: Outcome;
        try {
          outcome = await send(h.port, agent, c);
        } catch (error) {
          throw new Error(`case ${done} ${c.method} ${c.path} failed: ${(error as Error).message}`);
        }
        statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
        const label = `case ${done}: ${c.method} ${c.path} -> ${outcome.status} ${outcome.text.slice(0, 120)}`;
        expect(outcome.status, label).toBeLessThan(500);
        expect(outcome.text, label).not.toMatch(/<html|<pre>|\n\s+at .+:\d+:\d+/i);
        const isStaticOrStream = outcome.contentType.startsWith('text/plain; version') || outcome.contentType.startsWith('text/event-stream');
        if (outcome.status >= 400 && c.method !== 'HEAD' && outcome.status !== 431) {
          expect(outcome.contentType, label).toMatch(/^application\/json/);
          const body = JSON.parse(outcome.text) as { error?: unknown; detail?: unknown };
          expect(typeof body.error, label).toBe('string');
          expect(typeof body.detail, label).toBe('string');
        } else if (outcome.text !== '' && !isStaticOrStream) {
          expect(outcome.contentType, label).toMatch(/^application\/json/);
        }
      }
    } finally {
      agent.destroy();
    }
    expect(done).toBeGreaterThanOrEqual(500);
    // the mix really exercised the error paths as well as the happy ones
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([200, 202, 400, 403, 404, 405, 409]));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const live = await h.request('GET', '/health/live');
    expect(live.status).toBe(200);
  });
});
