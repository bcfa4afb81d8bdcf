import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/apiHarness.js';

const A = '/api/admin/sync';
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function harness(env: Record<string, string> = {}): Promise<Harness> {
  h = await startHarness(env);
  return h;
}

function errorOf(reply: { status: number; json: () => Record<string, unknown> }) {
  return { status: reply.status, error: reply.json().error };
}

describe('Host header (DNS rebinding)', () => {
  it('refuses a foreign Host on every route, accepts the loopback names with any port', async () => {
    const api = await harness();
    for (const path of ['/health/sync', '/metrics/sync', `${A}/status`, '/']) {
      expect(errorOf(await api.request('GET', path, { headers: { host: 'evil.example' } }))).toEqual({ status: 403, error: 'forbidden_host' });
      expect(errorOf(await api.request('GET', path, { headers: { host: `evil.example:${api.port}` } }))).toEqual({ status: 403, error: 'forbidden_host' });
    }
    expect(errorOf(await api.request('POST', `${A}/trigger`, { headers: { host: 'attacker.localhost.evil.example' } }))).toEqual({ status: 403, error: 'forbidden_host' });
    expect(errorOf(await api.request('GET', `${A}/status`, { headers: { host: 'localhost:1@evil.example' } }))).toEqual({ status: 403, error: 'forbidden_host' });
    for (const host of [`localhost:${api.port}`, `127.0.0.1:${api.port}`, `[::1]:${api.port}`, 'localhost', 'LOCALHOST:8000', '127.0.0.1']) {
      expect((await api.request('GET', `${A}/status`, { headers: { host } })).status).toBe(200);
    }
  });

  it('accepts the configured non-loopback address too (which requires a token)', async () => {
    const api = await harness({ ATOM_SYNC_HOST: '10.1.2.3', ATOM_SYNC_ADMIN_TOKEN: 'tok' });
    expect((await api.request('GET', '/health/sync', { headers: { host: `10.1.2.3:${api.port}` } })).status).toBe(200);
    expect((await api.request('GET', '/health/sync', { headers: { host: '10.9.9.9' } })).status).toBe(403);
  });
});

describe('cross-origin writes (CSRF)', () => {
  it('refuses a POST with a foreign Origin or Sec-Fetch-Site: cross-site', async () => {
    const api = await harness();
    const evil = await api.request('POST', `${A}/trigger`, { headers: { origin: 'http://evil.example' } });
    expect(errorOf(evil)).toEqual({ status: 403, error: 'cross_origin' });
    expect(api.fakes.sync.active).toBeNull();
    expect(errorOf(await api.request('POST', `${A}/trigger`, { headers: { origin: 'null' } }))).toEqual({ status: 403, error: 'cross_origin' });
    expect(errorOf(await api.request('POST', `${A}/trigger`, { headers: { origin: `http://localhost:${api.port + 1}` } }))).toEqual({
      status: 403,
      error: 'cross_origin',
    });
    expect(errorOf(await api.request('POST', `${A}/pause`, { headers: { 'sec-fetch-site': 'cross-site' } }))).toEqual({ status: 403, error: 'cross_origin' });
    expect(api.fakes.scheduler.paused).toBe(false);
  });

  it('accepts the app’s own origin and tools that send none', async () => {
    const api = await harness();
    const own = await api.request('POST', `${A}/trigger`, { headers: { origin: `http://localhost:${api.port}`, 'sec-fetch-site': 'same-origin' } });
    expect(own.status).toBe(202);
    api.fakes.sync.finish();
    expect((await api.request('POST', `${A}/trigger`)).status).toBe(202);
  });

  it('lets reads through but never grants CORS', async () => {
    const api = await harness();
    const read = await api.request('GET', `${A}/status`, { headers: { origin: 'http://evil.example' } });
    expect(read.status).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await api.request('OPTIONS', `${A}/trigger`, {
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(Object.keys(preflight.headers).filter((k) => k.startsWith('access-control-'))).toEqual([]);
  });
});

describe('admin token', () => {
  it('guards /api/admin/* only, with a timing-safe bearer check', async () => {
    const api = await harness({ ATOM_SYNC_ADMIN_TOKEN: 's3cret-token' });
    const missing = await api.request('GET', `${A}/status`);
    expect(errorOf(missing)).toEqual({ status: 401, error: 'unauthorized' });
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(errorOf(await api.request('GET', `${A}/status`, { headers: { authorization: 'Bearer wrong' } }))).toEqual({ status: 401, error: 'unauthorized' });
    expect(errorOf(await api.request('GET', `${A}/status`, { headers: { authorization: 's3cret-token' } }))).toEqual({ status: 401, error: 'unauthorized' });
    expect(errorOf(await api.request('GET', `${A}/status`, { headers: { authorization: 'Bearer s3cret-token-longer' } }))).toEqual({ status: 401, error: 'unauthorized' });
    expect(errorOf(await api.request('GET', `${A}/nope`))).toEqual({ status: 401, error: 'unauthorized' });
    expect(errorOf(await api.request('GET', '/api/admin/other'))).toEqual({ status: 401, error: 'unauthorized' });
    expect(errorOf(await api.request('POST', `${A}/conflicts/bulk-resolve?strategy=merge`, { headers: { 'content-type': 'application/json' }, body: '{bad' }))).toEqual({
      status: 401,
      error: 'unauthorized',
    });
    expect((await api.request('GET', `${A}/status`, { headers: { authorization: 'Bearer s3cret-token' } })).status).toBe(200);
    expect((await api.request('POST', `${A}/trigger`, { headers: { authorization: 'bearer s3cret-token' } })).status).toBe(202);
    expect((await api.request('GET', '/health/sync')).status).toBe(200);
    expect((await api.request('GET', '/health/live')).status).toBe(200);
    expect((await api.request('GET', '/metrics/sync')).status).toBe(200);
    expect((await api.request('GET', `${A}/config`, { headers: { authorization: 'Bearer s3cret-token' } })).text).not.toContain('s3cret-token');
  });
});

describe('bad input', () => {
  it('malformed JSON is 400, an oversize body 413, a non-JSON body 415, repeated parameters 400', async () => {
    const api = await harness();
    const json = { 'content-type': 'application/json' };
    expect(errorOf(await api.request('POST', `${A}/conflicts/bulk-resolve?strategy=merge`, { headers: json, body: '{"conflict_ids": [1,' }))).toEqual({
      status: 400,
      error: 'invalid_json',
    });
    expect(errorOf(await api.request('POST', `${A}/conflicts/1/resolve?strategy=merge`, { headers: json, body: '"just a string"' }))).toEqual({
      status: 400,
      error: 'invalid_json',
    });
    const big = JSON.stringify({ conflict_ids: Array.from({ length: 20_000 }, (_, i) => i + 1) });
    expect(big.length).toBeGreaterThan(64 * 1024);
    expect(errorOf(await api.request('POST', `${A}/conflicts/bulk-resolve?strategy=merge`, { headers: json, body: big }))).toEqual({ status: 413, error: 'payload_too_large' });
    expect(
      errorOf(await api.request('POST', `${A}/conflicts/bulk-resolve?strategy=merge`, { headers: { 'content-type': 'text/plain' }, body: '{"conflict_ids":[1]}' })),
    ).toEqual({ status: 415, error: 'unsupported_media_type' });
    expect(errorOf(await api.request('POST', `${A}/conflicts/1/resolve?strategy=local_wins&strategy=merge`))).toEqual({ status: 400, error: 'invalid_query' });
    expect(errorOf(await api.request('GET', `${A}/conflicts?limit=1&limit=2`))).toEqual({ status: 400, error: 'invalid_query' });
    expect(errorOf(await api.request('GET', `${A}/conflicts/%E0%A4%A`))).toEqual({ status: 400, error: 'bad_request' });
    expect(api.fakes.conflicts.calls).toEqual([]);
  });

  it('an unexpected exception is a generic 500 without a stack trace', async () => {
    const api = await harness();
    api.fakes.sync.status = () => {
      throw new Error('database file vanished at /secret/path');
    };
    const reply = await api.request('GET', `${A}/status`);
    expect(errorOf(reply)).toEqual({ status: 500, error: 'internal_error' });
    expect(reply.text).not.toContain('/secret/path');
    expect(reply.text).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe('headers on every answer', () => {
  it('sets the security headers and no X-Powered-By', async () => {
    const api = await harness();
    for (const [method, path] of [['GET', '/health/sync'], ['GET', `${A}/status`], ['GET', '/nope'], ['POST', `${A}/trigger?mode=x`]] as const) {
      const reply = await api.request(method, path);
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['x-frame-options']).toBe('DENY');
      expect(reply.headers['referrer-policy']).toBe('no-referrer');
      expect(reply.headers['cache-control']).toBe('no-store');
      expect(reply.headers['x-powered-by']).toBeUndefined();
    }
  });
});
