import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { SkillListResponse } from '../../engine/contracts/remote.js';
import type { EmulatorFaults } from '../../emulator/types.js';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';

let emu: EmulatorHandle;

type Outcome = 'ok' | 'reset' | 'malformed' | number;

/** One listing request, reduced to what a client would experience. */
async function outcome(path = '/skills/marketplace/skills?page=1&page_size=20'): Promise<Outcome> {
  const res = await request(`${emu.apiUrl}${path}`);
  let text: string;
  try {
    text = await res.body.text();
  } catch {
    return 'reset';
  }
  if (res.statusCode !== 200) return res.statusCode;
  try {
    JSON.parse(text);
    return 'ok';
  } catch {
    return 'malformed';
  }
}

async function sequence(faults: EmulatorFaults, n: number): Promise<Outcome[]> {
  emu.setFaults(faults);
  const out: Outcome[] = [];
  for (let i = 0; i < n; i++) out.push(await outcome());
  return out;
}

async function control(method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await request(`${emu.baseUrl}/__emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  emu = await startEmulator({ skills: 200, seed: 2 });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

describe('emulator HTTP faults', () => {
  it('replays the same failures for the same fault seed', async () => {
    const faults: EmulatorFaults = { http_error_rate: 0.25, http_status: 502, reset_rate: 0.15, malformed_rate: 0.15, seed: 42 };
    const first = await sequence(faults, 50);
    const again = await sequence(faults, 50);
    expect(again).toEqual(first);
    for (const kind of ['ok', 'reset', 'malformed', 502] as Outcome[]) expect(first, String(kind)).toContain(kind);
    const other = await sequence({ ...faults, seed: 43 }, 50);
    expect(other).not.toEqual(first);
  });

  it('answers http_error_rate 1 with the chosen status and a JSON error body', async () => {
    emu.setFaults({ http_error_rate: 1, http_status: 503, retry_after: 3 });
    const res = await request(`${emu.apiUrl}/skills/marketplace/categories`);
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('3');
    expect(await res.body.json()).toMatchObject({ error: expect.any(String) });
    emu.setFaults({ http_error_rate: 1 });
    const plain = await request(`${emu.apiUrl}/skills/marketplace/skills/skill-000001`);
    expect(plain.statusCode).toBe(500);
    await plain.body.text();
  });

  it('resets the connection mid-body: the client fails reading the body', async () => {
    emu.setFaults({ reset_rate: 1 });
    const res = await request(`${emu.apiUrl}/skills/marketplace/skills?page_size=200`);
    expect(res.statusCode).toBe(200);
    expect(Number(res.headers['content-length'])).toBeGreaterThan(1000);
    await expect(res.body.text()).rejects.toThrow();
  });

  it('sends 200 with invalid JSON when malformed', async () => {
    emu.setFaults({ malformed_rate: 1 });
    const res = await request(`${emu.apiUrl}/skills/marketplace/categories`);
    expect(res.statusCode).toBe(200);
    const text = await res.body.text();
    expect(text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(text)).toThrow();
  });

  it('rate limits with 429 and Retry-After beyond rate_limit_rps', async () => {
    emu.setFaults({ rate_limit_rps: 3, retry_after: 7 });
    const results = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const res = await request(`${emu.apiUrl}/skills/marketplace/categories`);
        await res.body.text();
        return { status: res.statusCode, retryAfter: res.headers['retry-after'] };
      }),
    );
    const limited = results.filter((r) => r.status === 429);
    const served = results.filter((r) => r.status === 200);
    expect(served.length).toBeGreaterThanOrEqual(3);
    expect(served.length).toBeLessThanOrEqual(5);
    expect(limited.length).toBe(12 - served.length);
    expect(limited.every((r) => r.retryAfter === '7')).toBe(true);
  });

  it('delays answers by latency_ms', async () => {
    emu.setFaults({ latency_ms: 150 });
    const started = performance.now();
    expect(await outcome()).toBe('ok');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('behaves like a server without the extensions when told to', async () => {
    emu.setFaults({ unsupported_extensions: ['updated_since', 'ratings_batch', 'ratings_list'] });
    const res = await request(`${emu.apiUrl}/skills/marketplace/skills?updated_since=2030-01-01T00:00:00Z&include_deleted=true&page_size=50`);
    const body = (await res.body.json()) as SkillListResponse;
    expect(res.statusCode).toBe(200);
    expect(body.total).toBe(200);
    expect(body.skills).toHaveLength(50);
    expect(body.cursor).toBeUndefined();
    expect(await outcome('/ratings?page=1')).toBe(404);
    const batch = await request(`${emu.apiUrl}/ratings/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ratings":[]}' });
    expect(batch.statusCode).toBe(404);
    await batch.body.text();
    emu.setFaults({});
    expect(await outcome('/ratings?page=1')).toBe('ok');
  });

  it('never applies faults to the control API', async () => {
    emu.setFaults({ http_error_rate: 1, latency_ms: 0 });
    expect((await control('GET', '/stats')).status).toBe(200);
  });
});

describe('emulator control API', () => {
  it('sets, reads and clears faults, and refuses bad ones', async () => {
    const set = await control('POST', '/faults', { http_error_rate: 0.5, unsupported_extensions: ['ratings_list'] });
    expect(set).toEqual({ status: 200, body: { http_error_rate: 0.5, unsupported_extensions: ['ratings_list'] } });
    expect((await control('GET', '/faults')).body).toEqual(set.body);
    expect((await control('POST', '/faults', { http_error_rate: 2 })).status).toBe(400);
    expect((await control('POST', '/faults', { no_such_knob: true })).status).toBe(400);
    expect((await control('GET', '/faults')).body).toEqual(set.body);
    expect((await control('POST', '/faults', {})).body).toEqual({});
  });

  it('mutates, reports stats and resets to the seeded state', async () => {
    const mutated = await control('POST', '/mutate', { delete: 2, add: 3, update_ids: ['skill-000001'], set: { author: 'someone-else' } });
    expect(mutated.status).toBe(200);
    expect(mutated.body).toMatchObject({ updated: ['skill-000001'], deleted: expect.any(Array), added: expect.any(Array) });
    expect((await control('POST', '/mutate', { delete_ids: ['skill-999999'] })).status).toBe(400);
    const one = await request(`${emu.apiUrl}/skills/marketplace/skills/skill-000001`);
    expect(await one.body.json()).toMatchObject({ author: 'someone-else' });
    const stats = await control('GET', '/stats');
    expect(stats.body).toMatchObject({ skills: 201, deleted: 2, categories: 20, ratings_received: 0, ws_clients: 0 });
    expect(stats.body.requests).toBe(emu.requestCount());
    await control('POST', '/faults', { http_error_rate: 1 });
    expect((await control('POST', '/reset')).status).toBe(200);
    expect(emu.skillCount()).toBe(200);
    expect((await control('GET', '/faults')).body).toEqual({});
    expect((await control('GET', '/stats')).body).toMatchObject({ skills: 200, deleted: 0 });
  });

  const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  it.skipIf(external === undefined)('answers 403 to peers that are not loopback', async () => {
    const open = await startEmulator({ skills: 5, host: '0.0.0.0' });
    try {
      const res = await request(`http://${external as string}:${open.port}/__emulator/stats`);
      expect(res.statusCode).toBe(403);
      await res.body.text();
      const local = await request(`${open.baseUrl}/__emulator/stats`);
      expect(local.statusCode).toBe(200);
      await local.body.text();
    } finally {
      await open.close();
    }
  });
});
