import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { WsMessage } from '../../engine/contracts/remote.js';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';

let emu: EmulatorHandle;
const open: WebSocket[] = [];

/** A connected socket that queues what it receives and remembers how it closed. */
interface Probe {
  ws: WebSocket;
  next(timeoutMs?: number): Promise<WsMessage>;
  closed: Promise<number>;
}

function connect(url = emu.wsUrl): Promise<Probe> {
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
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
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
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, next, closed }));
    ws.once('error', reject);
  });
}

/** Resolves with the HTTP status of a refused upgrade. */
function refusedStatus(url: string): Promise<number> {
  const ws = new WebSocket(url);
  open.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => reject(new Error('upgrade was accepted')));
    ws.once('error', () => {});
  });
}

const ping = (ws: WebSocket) => ws.send(JSON.stringify({ type: 'ping' }));

beforeAll(async () => {
  emu = await startEmulator({ skills: 100, seed: 9 });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());
afterEach(() => {
  for (const ws of open.splice(0)) ws.terminate();
});

describe('emulator WebSocket', () => {
  it('answers ping with pong', async () => {
    const probe = await connect();
    ping(probe.ws);
    expect(await probe.next()).toMatchObject({ type: 'pong', timestamp: expect.any(String) });
  });

  it('pushes the frames matching a mutation to every socket', async () => {
    const a = await connect();
    const b = await connect();
    const result = emu.mutate({ update: 2, delete: 1, add: 1, ratings: 1, categories: 1 });
    for (const probe of [a, b]) {
      const frames = await Promise.all(Array.from({ length: 6 }, () => probe.next()));
      const ofType = (t: string) => frames.filter((f) => f.type === t);
      expect(ofType('skill_update').map((f) => (f.data as { skill_id: string }).skill_id)).toEqual([...result.updated, ...result.added]);
      const deletion = ofType('skill_delete');
      expect(deletion.map((f) => f.data)).toEqual([{ skill_id: result.deleted[0], updated_at: deletion[0]?.timestamp }]);
      expect(ofType('rating_update')[0]?.data).toMatchObject({ rating_id: result.ratings[0], rating: expect.any(Number), average_rating: expect.any(Number), rating_count: expect.any(Number) });
      expect(ofType('category_update')[0]?.data).toMatchObject({ name: result.categories[0], skill_count: expect.any(Number) });
      const skillFrame = ofType('skill_update')[0]?.data as { name?: string; version?: string };
      expect(skillFrame.name).toBeTruthy();
    }
  });

  it('pushes nothing when push is false', async () => {
    const probe = await connect();
    emu.mutate({ update: 3, push: false });
    ping(probe.ws);
    // Frames go out in order, so the pong being first proves nothing was pushed.
    expect((await probe.next()).type).toBe('pong');
  });

  it('counts connections and drops every socket on demand', async () => {
    const before = emu.wsConnections();
    const probe = await connect();
    expect(emu.wsConnections()).toBe(before + 1);
    emu.dropSockets();
    expect(await probe.closed).toBe(1006);
  });
});

describe('emulator WebSocket faults', () => {
  it('ws_drop_after terminates the socket after N frames', async () => {
    emu.setFaults({ ws_drop_after: 2 });
    const probe = await connect();
    ping(probe.ws);
    ping(probe.ws);
    expect((await probe.next()).type).toBe('pong');
    expect((await probe.next()).type).toBe('pong');
    expect(await probe.closed).toBe(1006);
  });

  it('ws_silent sends nothing, not even pong', async () => {
    emu.setFaults({ ws_silent: true });
    const probe = await connect();
    ping(probe.ws);
    emu.mutate({ update: 1 });
    await expect(probe.next(300)).rejects.toThrow('no frame in time');
    emu.setFaults({});
    ping(probe.ws);
    expect((await probe.next()).type).toBe('pong');
  });

  it('ws_reject_status refuses the upgrade with that status', async () => {
    emu.setFaults({ ws_reject_status: 503 });
    expect(await refusedStatus(emu.wsUrl)).toBe(503);
    emu.setFaults({});
    await connect();
  });

  it('refuses other paths with 404', async () => {
    expect(await refusedStatus(emu.wsUrl.replace('/connect', '/elsewhere'))).toBe(404);
  });

  it('needs ?token= when started with a token', async () => {
    const secured = await startEmulator({ skills: 5, token: 'tok' });
    try {
      expect(await refusedStatus(secured.wsUrl)).toBe(401);
      expect(await refusedStatus(`${secured.wsUrl}?token=wrong`)).toBe(401);
      const probe = await connect(`${secured.wsUrl}?token=tok`);
      ping(probe.ws);
      expect((await probe.next()).type).toBe('pong');
    } finally {
      await secured.close();
    }
  });
});
