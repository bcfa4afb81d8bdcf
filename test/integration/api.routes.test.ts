import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/tempDir.js';
import { startHarness, type Harness } from './support/apiHarness.js';

const A = '/api/admin/sync';
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const post = (p: string, body?: unknown, headers: Record<string, string> = {}) =>
  h.request('POST', p, body === undefined ? { headers } : { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const get = (p: string) => h.request('GET', p);

function expectError(reply: { status: number; headers: Record<string, unknown>; json: () => Record<string, unknown> }, status: number, code: string) {
  expect(reply.status).toBe(status);
  expect(String(reply.headers['content-type'])).toMatch(/^application\/json/);
  const body = reply.json();
  expect(body.error).toBe(code);
  expect(typeof body.detail).toBe('string');
  expect(String(body.detail).length).toBeGreaterThan(10);
  return body;
}

describe('monitoring routes', () => {
  it('GET /health/sync answers the runbook shape, 200 while healthy or degraded', async () => {
    const reply = await get('/health/sync');
    expect(reply.status).toBe(200);
    const body = reply.json();
    expect(Object.keys(body).sort()).toEqual(['checks', 'last_sync', 'recent_errors', 'scheduler_running', 'status', 'sync_age_minutes', 'websocket_connected']);
    expect(body).toMatchObject({ status: 'healthy', last_sync: null, sync_age_minutes: null, websocket_connected: true, scheduler_running: true, recent_errors: 0 });
    for (const name of ['last_sync', 'websocket', 'scheduler', 'errors', 'database']) {
      expect((body.checks as Record<string, { healthy: boolean; detail: string }>)[name]).toMatchObject({ healthy: true });
    }
    h.events.emit('scheduler.state', { running: true, paused: true, next_sync: null });
    const degraded = await get('/health/sync');
    expect(degraded.status).toBe(200);
    expect(degraded.json().status).toBe('degraded');
  });

  it('GET /health/sync is 503 when unhealthy', async () => {
    h.events.emit('scheduler.state', { running: false, paused: false, next_sync: null });
    const reply = await get('/health/sync');
    expect(reply.status).toBe(503);
    expect(reply.json().status).toBe('unhealthy');
  });

  it('GET /health/live is always ok', async () => {
    h.events.emit('scheduler.state', { running: false, paused: false, next_sync: null });
    const reply = await get('/health/live');
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ status: 'ok' });
  });

  it('GET /metrics/sync is Prometheus text that follows the engine', async () => {
    await post(`${A}/trigger`);
    h.fakes.sync.finish('success');
    const reply = await get('/metrics/sync');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    expect(reply.text).toMatch(/^sync_runs_total\{mode="incremental",result="success"\} 1$/m);
    expect(reply.text).toContain('websocket_reconnects_total');
  });
});

describe('sync routes', () => {
  it('POST /trigger starts a run (202), a second one is 409 sync_in_progress, status shows syncing then idle', async () => {
    const first = await post(`${A}/trigger`);
    expect(first.status).toBe(202);
    expect(first.json()).toEqual({ accepted: true, run_id: 1, mode: 'incremental' });
    expect((await get(`${A}/status`)).json()).toMatchObject({ status: 'syncing', run_id: 1, mode: 'incremental' });
    const second = await post(`${A}/trigger?mode=full`);
    expect(expectError(second, 409, 'sync_in_progress').run_id).toBe(1);
    h.fakes.sync.finish();
    const status = (await get(`${A}/status`)).json();
    expect(status).toMatchObject({ status: 'idle', skills_cached: 12, categories_cached: 3, last_error: null, demo_mode: true });
    const full = await post(`${A}/trigger?mode=full`);
    expect(full.json()).toMatchObject({ accepted: true, mode: 'full' });
  });

  it('POST /trigger refuses a bad mode, a paused scheduler and a disabled sync', async () => {
    expect(expectError(await post(`${A}/trigger?mode=turbo`), 400, 'invalid_mode').detail).toContain('incremental, full');
    expect((await post(`${A}/pause`)).status).toBe(202);
    expect((await get(`${A}/status`)).json().paused).toBe(true);
    expectError(await post(`${A}/trigger`), 409, 'sync_paused');
    const resumed = await post(`${A}/resume`);
    expect(resumed.status).toBe(202);
    expect(resumed.json()).toEqual({ accepted: true, paused: false });
    h.fakes.sync.enabled = false;
    expectError(await post(`${A}/trigger`), 503, 'sync_disabled');
  });

  it('GET /config shows settings and never a token', async () => {
    await h.close();
    h = await startHarness({ ATOM_SAAS_API_TOKEN: 'remote-secret-123', ATOM_SAAS_API_URL: 'https://example.invalid/api' });
    const reply = await get(`${A}/config`);
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ sync_interval_minutes: 30, sync_batch_size: 100, websocket_enabled: true, token_configured: true });
    expect(reply.text).not.toContain('remote-secret-123');
  });

  it('GET /runs, /errors and /snapshot', async () => {
    await post(`${A}/trigger`);
    h.fakes.sync.finish('failure');
    await post(`${A}/trigger`);
    h.fakes.sync.finish('success');
    const runs = (await get(`${A}/runs?limit=1`)).json();
    expect(runs.items).toHaveLength(1);
    expect((runs.items as Array<{ id: number; result: string }>)[0]).toMatchObject({ id: 2, result: 'success' });
    expect(((await get(`${A}/runs?stream=skills`)).json().items as unknown[]).length).toBe(2);
    expect(((await get(`${A}/runs?stream=ratings`)).json().items as unknown[]).length).toBe(0);
    expectError(await get(`${A}/runs?limit=0`), 400, 'invalid_query');
    expectError(await get(`${A}/runs?limit=abc`), 400, 'invalid_query');
    expectError(await get(`${A}/runs?stream=DROP%20TABLE`), 400, 'invalid_query');
    const errors = (await get(`${A}/errors`)).json();
    expect(errors.items).toEqual([expect.objectContaining({ operation: 'skills', kind: 'unavailable' })]);
    const snap = (await get(`${A}/snapshot`)).json();
    expect(Object.keys(snap).sort()).toEqual(['api', 'at', 'conflicts', 'demo_mode', 'health', 'ratings', 'replica', 'sync', 'websocket']);
    expect(snap).toMatchObject({ demo_mode: true, conflicts: { unresolved: 4 }, health: { status: 'healthy' } });
  });
});

describe('rating routes', () => {
  it('POST /ratings starts a rating sync (202), 409 while one runs', async () => {
    const reply = await post(`${A}/ratings`);
    expect(reply.status).toBe(202);
    expect(reply.json()).toEqual({ accepted: true });
    expectError(await post(`${A}/ratings`), 409, 'rating_sync_in_progress');
    expect((await get(`${A}/ratings/status`)).json()).toMatchObject({ status: 'syncing', pending_count: 2, failed_count: 3 });
  });

  it('lists failed uploads with limit and offset, validated', async () => {
    const all = (await get(`${A}/ratings/failed-uploads`)).json();
    expect(all.total).toBe(3);
    expect(Object.keys((all.items as object[])[0]!)).toEqual(expect.arrayContaining(['id', 'rating_id', 'skill_id', 'rating', 'error', 'attempts', 'first_failed_at', 'last_attempt_at', 'next_retry_at']));
    const page = (await get(`${A}/ratings/failed-uploads?limit=1&offset=1`)).json();
    expect(page).toMatchObject({ total: 3, items: [{ id: 2 }] });
    expect(expectError(await get(`${A}/ratings/failed-uploads?limit=501`), 400, 'invalid_query').detail).toContain('1 to 500');
    expectError(await get(`${A}/ratings/failed-uploads?offset=-1`), 400, 'invalid_query');
  });

  it('retries one failed upload (200), 404 for an unknown id, 400 for a bad id; retry-all is 202', async () => {
    h.fakes.ratings.refusing.add(3);
    expect((await post(`${A}/ratings/failed-uploads/1/retry`)).json()).toEqual({ id: 1, result: 'uploaded', error: null });
    expect((await post(`${A}/ratings/failed-uploads/3/retry`)).json()).toEqual({ id: 3, result: 'failed', error: 'remote answered 422' });
    expectError(await post(`${A}/ratings/failed-uploads/1/retry`), 404, 'not_found');
    expectError(await post(`${A}/ratings/failed-uploads/abc/retry`), 400, 'invalid_id');
    expectError(await post(`${A}/ratings/failed-uploads/0/retry`), 400, 'invalid_id');
    expectError(await post(`${A}/ratings/failed-uploads/99999999999999999999/retry`), 400, 'invalid_id');
    const all = await post(`${A}/ratings/failed-uploads/retry-all`);
    expect(all.status).toBe(202);
    expect(all.json()).toEqual({ accepted: true, queued: 2 });
  });
});

describe('websocket routes', () => {
  it('status and reconnect (+1)', async () => {
    const before = (await get(`${A}/websocket/status`)).json();
    expect(before).toMatchObject({ connected: true, enabled: true, state: 'connected', reconnect_count: 0 });
    const reply = await post(`${A}/websocket/reconnect`);
    expect(reply.status).toBe(202);
    expect(reply.json()).toEqual({ accepted: true });
    expect((await get(`${A}/websocket/status`)).json().reconnect_count).toBe(1);
  });

  it('reconnect is 409 when the socket is disabled', async () => {
    h.fakes.websocket.enabled = false;
    expectError(await post(`${A}/websocket/reconnect`), 409, 'websocket_disabled');
  });
});

describe('conflict routes', () => {
  it('lists unresolved by default, filters by status and severity, validates the query', async () => {
    const list = (await get(`${A}/conflicts`)).json();
    expect(list.total).toBe(4);
    expect((list.items as Array<{ status: string }>).every((c) => c.status === 'unresolved')).toBe(true);
    expect((await get(`${A}/conflicts?severity=high`)).json()).toMatchObject({ total: 1, items: [{ id: 2 }] });
    expect((await get(`${A}/conflicts?status=resolved`)).json().total).toBe(0);
    expect((await get(`${A}/conflicts?status=all&limit=2&offset=1`)).json()).toMatchObject({ total: 4, items: [{ id: 2 }, { id: 3 }] });
    expect(expectError(await get(`${A}/conflicts?status=open`), 400, 'invalid_status').detail).toContain('unresolved, resolved, all');
    expectError(await get(`${A}/conflicts?severity=extreme`), 400, 'invalid_severity');
  });

  it('shows one conflict; 404 unknown, 400 non-numeric', async () => {
    const detail = (await get(`${A}/conflicts/2`)).json();
    expect(detail).toMatchObject({ id: 2, entity_type: 'skill', entity_id: 'skill-2', conflict_type: 'both_modified', status: 'unresolved' });
    expect(detail.fields).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name', mergeable: false })]));
    expectError(await get(`${A}/conflicts/99`), 404, 'not_found');
    expectError(await get(`${A}/conflicts/abc`), 400, 'invalid_id');
  });

  it('resolves one conflict, records who did it, refuses a second resolve', async () => {
    const reply = await post(`${A}/conflicts/1/resolve?strategy=local_wins`, undefined, { 'user-agent': 'curl/8.5.0' });
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ id: 1, status: 'resolved', strategy: 'local_wins', resolved_by: 'api:curl' });
    expectError(await post(`${A}/conflicts/1/resolve?strategy=remote_wins`), 409, 'already_resolved');
    expect((await get(`${A}/conflicts?status=resolved`)).json().total).toBe(1);
  });

  it('validates the strategy and names the valid ones', async () => {
    const missing = expectError(await post(`${A}/conflicts/1/resolve`), 400, 'invalid_strategy');
    expect(missing.detail).toContain('local_wins, remote_wins, merge');
    const wrong = expectError(await post(`${A}/conflicts/1/resolve?strategy=mine`), 400, 'invalid_strategy');
    expect(wrong.detail).toContain('local_wins, remote_wins, merge');
    expectError(await post(`${A}/conflicts/bulk-resolve?strategy=theirs`), 400, 'invalid_strategy');
  });

  it('merge: 409 naming the clashing fields, then 200 with per-field choices (bare values taken as values)', async () => {
    const refused = expectError(await post(`${A}/conflicts/2/resolve?strategy=merge`), 409, 'merge_not_possible');
    expect(refused.fields).toEqual(['name']);
    const ok = await post(`${A}/conflicts/2/resolve?strategy=merge`, { fields: { name: 'My own name' } });
    expect(ok.status).toBe(200);
    expect(h.fakes.conflicts.calls.at(-1)?.body).toEqual({ fields: { name: { value: 'My own name' } } });
    await post(`${A}/conflicts/3/resolve?strategy=merge`, { fields: { version: 'remote' } });
    expect(h.fakes.conflicts.calls.at(-1)?.body).toEqual({ fields: { version: 'remote' } });
    expectError(await post(`${A}/conflicts/4/resolve?strategy=merge`, { field: { name: 'local' } }), 400, 'invalid_body');
    expectError(await post(`${A}/conflicts/4/resolve?strategy=merge`, [1, 2]), 400, 'invalid_body');
  });

  it('bulk-resolves listed ids and reports the failures', async () => {
    const reply = await post(`${A}/conflicts/bulk-resolve?strategy=remote_wins`, { conflict_ids: [3, '4', 'id2', 999] });
    expect(reply.status).toBe(200);
    const body = reply.json();
    expect(body.resolved).toBe(2);
    expect(body.failed).toEqual([{ id: 'id2', error: 'not_found' }, { id: 999, error: 'not_found' }]);
    expectError(await post(`${A}/conflicts/bulk-resolve?strategy=remote_wins`, { conflict_ids: 'all' }), 400, 'invalid_body');
    expectError(await post(`${A}/conflicts/bulk-resolve?strategy=remote_wins`, { conflict_ids: [-1] }), 400, 'invalid_body');
  });

  it('bulk-resolve without a body, or with an empty one, resolves every unresolved conflict', async () => {
    const none = await post(`${A}/conflicts/bulk-resolve?strategy=remote_wins`);
    expect(none.json()).toEqual({ resolved: 4, failed: [] });
    await h.close();
    h = await startHarness();
    const empty = await h.request('POST', `${A}/conflicts/bulk-resolve?strategy=local_wins`, { headers: { 'content-type': 'application/json' } });
    expect(empty.json()).toEqual({ resolved: 4, failed: [] });
    await h.close();
    h = await startHarness();
    expect((await post(`${A}/conflicts/bulk-resolve?strategy=local_wins`, {})).json()).toEqual({ resolved: 4, failed: [] });
    expect((await post(`${A}/conflicts/bulk-resolve?strategy=local_wins`, { conflict_ids: [] })).json()).toEqual({ resolved: 0, failed: [] });
  });
});

describe('unknown routes and methods', () => {
  it('answer JSON 404 / 405, never HTML', async () => {
    expectError(await get(`${A}/nope`), 404, 'not_found');
    expectError(await get('/nope'), 404, 'not_found');
    expectError(await h.request('DELETE', '/health/sync'), 405, 'method_not_allowed');
    const wrong = await get(`${A}/trigger`);
    expectError(wrong, 405, 'method_not_allowed');
    expect(wrong.headers.allow).toBe('POST');
    expectError(await get(`${A}/conflicts/bulk-resolve`), 405, 'method_not_allowed');
  });

  it('/ points at the API when no UI is built', async () => {
    const reply = await get('/');
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ health: '/health/sync' });
  });
});

describe('static UI', () => {
  const dir = tempDir('atom-ui-');
  let ui: Harness;
  beforeAll(async () => {
    mkdirSync(path.join(dir.dir, 'assets'));
    writeFileSync(path.join(dir.dir, 'index.html'), '<!doctype html><title>Atom Sync</title>');
    writeFileSync(path.join(dir.dir, 'assets', 'app.js'), 'console.log(1)');
    ui = await startHarness({}, { staticDir: dir.dir });
  });
  afterAll(async () => {
    await ui.close();
    dir.cleanup();
  });

  it('serves the build under a strict CSP with a single-page fallback', async () => {
    const index = await ui.request('GET', '/');
    expect(index.status).toBe(200);
    expect(index.text).toContain('<title>Atom Sync</title>');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const asset = await ui.request('GET', '/assets/app.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    const route = await ui.request('GET', '/conflicts/12');
    expect(route.status).toBe(200);
    expect(route.text).toContain('<title>Atom Sync</title>');
  });

  it('keeps API 404s and missing assets as JSON', async () => {
    expectError(await ui.request('GET', `${A}/nope`), 404, 'not_found');
    expectError(await ui.request('GET', '/assets/missing.js'), 404, 'not_found');
    expectError(await ui.request('GET', '/health/nope'), 404, 'not_found');
  });
});
