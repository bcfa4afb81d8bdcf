import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import type { WsMessage } from '../../engine/contracts/remote.js';
import { EngineEvents } from '../../engine/events.js';
import { silentLogger } from '../../engine/log/index.js';
import { RealtimeClient } from '../../engine/remote/realtimeClient.js';
import { ManualClock } from '../support/manualClock.js';
import { waitFor } from '../support/waitFor.js';

let emulator: EmulatorHandle | null = null;
let client: RealtimeClient | null = null;
afterEach(async () => {
  client?.stop();
  client = null;
  await emulator?.close();
  emulator = null;
});

function makeClient(url: string, clock: ManualClock, hooks: { messages?: WsMessage[]; reconnected?: () => void; token?: string } = {}) {
  return new RealtimeClient({
    url,
    token: hooks.token ?? null,
    instanceId: 'test-instance',
    enabled: true,
    backoffMaxSeconds: 30,
    clock,
    log: silentLogger,
    events: new EngineEvents(),
    random: () => 0.5,
    onMessage: (m) => hooks.messages?.push(m),
    onReconnected: () => hooks.reconnected?.(),
  });
}

describe('WebSocket client against the emulator', () => {
  it('backs off 1, 2, 4, 8, 16 s then holds at the cap while the server refuses', async () => {
    emulator = await startEmulator({ skills: 10 });
    emulator.setFaults({ ws_reject_status: 503 });
    const clock = new ManualClock();
    client = makeClient(emulator.wsUrl, clock);
    client.start();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      await waitFor(() => client!.status().state === 'backoff' && clock.pendingDelays().length === 1, 5000, 2);
      delays.push(clock.fireNext()!);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(client.status().reconnect_count).toBe(7);
  });

  it('stops retrying on an auth refusal until a manual reconnect', async () => {
    emulator = await startEmulator({ skills: 10, token: 'right-token' });
    const clock = new ManualClock();
    client = makeClient(emulator.wsUrl, clock, { token: 'wrong-token' });
    client.start();
    await waitFor(() => client!.status().state === 'auth_failed', 5000, 2);
    expect(clock.pendingDelays()).toEqual([]);
    const before = client.status().reconnect_count;
    client.reconnect();
    expect(client.status().reconnect_count).toBe(before + 1);
  });

  it('reconnects after the server drops it and asks for a gap-closing sync', async () => {
    emulator = await startEmulator({ skills: 10 });
    const clock = new ManualClock();
    const messages: WsMessage[] = [];
    let reconnected = 0;
    client = makeClient(emulator.wsUrl, clock, { messages, reconnected: () => reconnected++ });
    client.start();
    await waitFor(() => client!.status().connected, 5000, 2);
    emulator.setFaults({ ws_drop_after: 1 });
    emulator.mutate({ update: 1 });
    await waitFor(() => messages.length === 1 && client!.status().state === 'backoff', 5000, 2);
    expect(messages[0]!.type).toBe('skill_update');
    expect(clock.pendingDelays()).toEqual([1000]);
    emulator.setFaults({});
    clock.fireNext();
    await waitFor(() => client!.status().connected, 5000, 2);
    expect(reconnected).toBe(1);
    expect(client.status().reconnect_count).toBe(1);
  });

  it('treats a silent peer as dead after 60 s without frames', async () => {
    emulator = await startEmulator({ skills: 10 });
    const clock = new ManualClock();
    client = makeClient(emulator.wsUrl, clock);
    client.start();
    await waitFor(() => client!.status().connected, 5000, 2);
    emulator.setFaults({ ws_silent: true });
    clock.advance(30_000); // heartbeat ping, no pong
    expect(client.status().connected).toBe(true);
    clock.advance(30_000); // 60 s of silence
    expect(client.status().state).toBe('backoff');
  });
});
