import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/waitFor.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function call(method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await request(`${h!.engine.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

describe('POST /api/admin/sync/log-level', () => {
  it('switches the running engine to debug and back without a restart, and refuses an unknown level', async () => {
    h = await startHarness({ skills: 20, env: { ATOM_LOG_LEVEL: 'info' }, engine: { listen: true } });
    await h.engine.start();
    expect(await call('GET', '/api/admin/sync/log-level')).toEqual({ status: 200, body: { level: 'info', reverts_on_restart: true } });

    const debugLine = () => readFileSync(h!.logPath, 'utf8').includes('DEBUG');
    await call('POST', '/api/admin/sync/trigger');
    await h.engine.services.sync.idle();
    expect(debugLine()).toBe(false);

    expect(await call('POST', '/api/admin/sync/log-level', { level: 'debug' })).toEqual({
      status: 200,
      body: { level: 'debug', previous: 'info', reverts_on_restart: true },
    });
    h.emulator.mutate({ update: 2, push: true });
    await waitFor(debugLine, 5_000, 20);

    const bad = await call('POST', '/api/admin/sync/log-level', { level: 'verbose' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_body' });
    expect(String(bad.body.detail)).toMatch(/^body\.level: /);
    expect((await call('POST', '/api/admin/sync/log-level', { level: 'warn' })).body).toMatchObject({ level: 'warn', previous: 'debug' });
    expect((await call('GET', '/api/admin/sync/log-level')).body).toMatchObject({ level: 'warn' });
  });
});
