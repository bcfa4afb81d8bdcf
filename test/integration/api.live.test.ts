import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/apiHarness.js';

interface LiveEvent {
  event: string;
  data: unknown;
}

/** Opens the live stream and collects events and heartbeats until closed. */
function openStream(h: Harness, headers: Record<string, string> = {}) {
  const events: LiveEvent[] = [];
  let heartbeats = 0;
  let buffer = '';
  let response: http.IncomingMessage | null = null;
  const req = http.get({ host: '127.0.0.1', port: h.port, path: '/api/admin/sync/events', headers: { host: `localhost:${h.port}`, ...headers } });
  const ready = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on('response', (res) => {
      response = res;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) heartbeats++;
          const name = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (name && data) events.push({ event: name, data: JSON.parse(data) });
        }
      });
      resolve(res);
    });
    req.on('error', reject);
  });
  return {
    ready,
    events,
    heartbeats: () => heartbeats,
    close: () => {
      req.destroy();
      response?.destroy();
    },
  };
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('GET /api/admin/sync/events (server-sent events)', () => {
  it('sends the snapshot first, then forwards engine events and throttled status updates', async () => {
    const stream = openStream(h);
    const res = await stream.ready;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    await until(() => stream.events.length >= 1);
    expect(stream.events[0]).toMatchObject({ event: 'status', data: { demo_mode: true, sync: { status: 'idle' } } });

    await h.request('POST', '/api/admin/sync/trigger');
    h.fakes.sync.finish();
    await h.request('POST', '/api/admin/sync/conflicts/1/resolve?strategy=remote_wins');
    await until(() => stream.events.some((e) => e.event === 'conflicts.counts'));
    await until(() => stream.events.filter((e) => e.event === 'status').length >= 2);
    const names = stream.events.map((e) => e.event);
    expect(names).toContain('sync.progress');
    expect(names).toContain('sync.finished');
    expect(stream.events.find((e) => e.event === 'sync.finished')?.data).toMatchObject({ run_id: 1, result: 'success' });
    expect(stream.events.find((e) => e.event === 'conflicts.counts')?.data).toMatchObject({ unresolved: 3 });
    stream.close();
  });

  it('throttles status snapshots to a few per second under an event storm', async () => {
    const stream = openStream(h);
    await stream.ready;
    await until(() => stream.events.length >= 1);
    const started = Date.now();
    for (let i = 0; i < 500; i++) h.events.emit('catalogue.counts', { skills_cached: i, categories_cached: 1 });
    await new Promise((r) => setTimeout(r, 350));
    const statuses = stream.events.filter((e) => e.event === 'status').length - 1;
    const elapsed = Date.now() - started;
    expect(statuses).toBeGreaterThanOrEqual(1);
    // throttle is 100 ms in the harness: at most one per 100 ms, plus the trailing one.
    expect(statuses).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 1);
    stream.close();
  });

  it('sends heartbeats and removes its listeners when the client goes away', async () => {
    const stream = openStream(h);
    await stream.ready;
    await until(() => stream.heartbeats() >= 2, 3000);
    const listeners = () => (h.events as unknown as { emitter: { listenerCount(name: string): number } }).emitter.listenerCount('sync.finished');
    expect(listeners()).toBeGreaterThan(0);
    const withStream = listeners();
    stream.close();
    await until(() => listeners() === withStream - 1);
    // the server keeps serving
    expect((await h.request('GET', '/health/live')).status).toBe(200);
  });

  it('HEAD answers without holding a stream open', async () => {
    const reply = await h.request('HEAD', '/api/admin/sync/events');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/event-stream/);
  });
});
