import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withProbeFastPath } from '../../engine/api/probeFastPath.js';
import type { HealthResponse } from '../../engine/contracts/localHttpApi.js';
import { EngineEvents } from '../../engine/events.js';
import { cachedRender } from '../../engine/metrics/renderCache.js';
import { ManualClock } from '../support/manualClock.js';

function health(status: HealthResponse['status']): HealthResponse {
  const check = { healthy: status === 'healthy', status, detail: status };
  return {
    status,
    last_sync: null,
    sync_age_minutes: null,
    websocket_connected: true,
    scheduler_running: true,
    recent_errors: 0,
    checks: { last_sync: check, websocket: check, scheduler: check, errors: check, database: check },
  };
}

describe('probe fast path', () => {
  let server: Server;
  let base = '';
  let current: HealthResponse['status'] = 'healthy';
  let renders = 0;
  const fallthrough: string[] = [];
  const events = new EngineEvents();
  const clock = new ManualClock();

  beforeAll(async () => {
    const { render } = cachedRender(async () => `sync_runs_total ${++renders}\n`, events, clock);
    const handler = withProbeFastPath(
      (req, res) => {
        fallthrough.push(`${req.method} ${req.url} ${req.headers.host}`);
        res.writeHead(403, { 'content-type': 'application/json' }).end('{"error":"forbidden_host","detail":"x"}');
      },
      { configHost: '127.0.0.1', health: () => health(current), metrics: { contentType: 'text/plain; version=0.0.4', render } },
    );
    server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('answers health with probe semantics and the security headers', async () => {
    current = 'degraded';
    let res = await request(`${base}/health/sync`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(((await res.body.json()) as HealthResponse).status).toBe('degraded');
    current = 'unhealthy';
    res = await request(`${base}/health/sync?verbose=1`);
    expect(res.statusCode).toBe(503);
    await res.body.dump();
  });

  it('reuses a metrics rendering until the engine reports a change or a second passes', async () => {
    const scrape = async () => (await request(`${base}/metrics/sync`)).body.text();
    const first = await scrape();
    expect(await scrape()).toBe(first);
    events.emit('websocket.message', { type: 'skill_update' });
    const afterEvent = await scrape();
    expect(afterEvent).not.toBe(first);
    expect(await scrape()).toBe(afterEvent);
    clock.advance(1001);
    expect(await scrape()).not.toBe(afterEvent);
  });

  it('leaves a foreign Host, other methods and other paths to the full API', async () => {
    fallthrough.length = 0;
    const foreign = await request(`${base}/health/sync`, { headers: { host: 'evil.example' } });
    expect(foreign.statusCode).toBe(403);
    await foreign.body.dump();
    await (await request(`${base}/health/sync`, { method: 'POST' })).body.dump();
    await (await request(`${base}/api/admin/sync/status`)).body.dump();
    expect(fallthrough).toEqual([
      'GET /health/sync evil.example',
      expect.stringMatching(/^POST \/health\/sync 127\.0\.0\.1:\d+$/),
      expect.stringMatching(/^GET \/api\/admin\/sync\/status 127\.0\.0\.1:\d+$/),
    ]);
  });
});
