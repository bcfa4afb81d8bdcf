import { describe, expect, it } from 'vitest';
import type { EngineSnapshot } from '../../engine/contracts/localHttpApi.js';
import { LiveFeed, type LiveSourceHandlers, type LiveState, type LiveTimers } from '../../renderer/src/api/liveFeed.js';

/** Timers driven by hand: `advance(ms)` runs what is due, in order. */
function manualTimers() {
  let now = 0;
  let nextId = 1;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: LiveTimers = {
    setTimeout: (fn, ms) => {
      const id = nextId++;
      pending.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (id) => void pending.delete(id as number),
  };
  const advance = async (ms: number) => {
    const end = now + ms;
    for (let guard = 0; guard < 1000; guard++) {
      const due = [...pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      pending.delete(due[0]);
      now = due[1].at;
      due[1].fn();
      await flush();
    }
    now = end;
  };
  return { timers, advance, pendingCount: () => pending.size };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

const snap = (at: string, status: 'healthy' | 'degraded' = 'healthy') => ({ at, health: { status } }) as unknown as EngineSnapshot;

function setup(fetchSnapshot: () => Promise<EngineSnapshot>) {
  const { timers, advance, pendingCount } = manualTimers();
  const sources: Array<{ handlers: LiveSourceHandlers; closed: boolean }> = [];
  const snapshots: EngineSnapshot[] = [];
  const events: Array<[string, unknown]> = [];
  const states: Array<[LiveState, string | null]> = [];
  let fetches = 0;
  const feed = new LiveFeed({
    open: (handlers) => {
      const source = { handlers, closed: false };
      sources.push(source);
      return { close: () => void (source.closed = true) };
    },
    fetchSnapshot: () => {
      fetches++;
      return fetchSnapshot();
    },
    onSnapshot: (s) => snapshots.push(s),
    onEvent: (name, data) => events.push([name, data]),
    onState: (state, error) => states.push([state, error]),
    timers,
    pollMs: 5_000,
    reconnectMinMs: 1_000,
    reconnectMaxMs: 8_000,
  });
  return { feed, sources, snapshots, events, states, advance, pendingCount, fetches: () => fetches };
}

describe('LiveFeed', () => {
  it('shares status snapshots and forwards other events while the stream is up', async () => {
    const t = setup(async () => snap('2025-01-01T00:00:00.000Z'));
    t.feed.start();
    await flush();
    t.sources[0]!.handlers.onOpen();
    t.sources[0]!.handlers.onEvent('status', snap('2025-01-01T00:00:01.000Z', 'degraded'));
    t.sources[0]!.handlers.onEvent('sync.finished', { run_id: 3 });
    expect(t.snapshots.map((s) => s.health.status)).toEqual(['healthy', 'degraded']);
    expect(t.events).toEqual([['sync.finished', { run_id: 3 }]]);
    expect(t.states.at(-1)).toEqual(['live', null]);
    t.feed.stop();
  });

  it('polls the snapshot every 5 s while the stream is down and reconnects with growing backoff', async () => {
    let n = 0;
    const t = setup(async () => snap(`2025-01-01T00:00:${String(10 + n++).padStart(2, '0')}.000Z`));
    t.feed.start();
    await flush();
    expect(t.fetches()).toBe(1);
    t.sources[0]!.handlers.onDown('dropped');
    await flush();
    expect(t.sources[0]!.closed).toBe(true);
    expect(t.states.at(-1)?.[0]).toBe('polling');
    expect(t.fetches()).toBe(2);
    // Reconnect after 1 s: a new source; it fails again at once.
    await t.advance(1_000);
    expect(t.sources).toHaveLength(2);
    t.sources[1]!.handlers.onDown('refused');
    await flush();
    // Next reconnect waits 2 s; polling keeps its own 5 s rhythm.
    await t.advance(1_999);
    expect(t.sources).toHaveLength(2);
    await t.advance(1);
    expect(t.sources).toHaveLength(3);
    await t.advance(2_000);
    expect(t.fetches()).toBe(3);
    // The stream opens: polling stops.
    t.sources[2]!.handlers.onOpen();
    const fetchesAtOpen = t.fetches();
    await t.advance(20_000);
    expect(t.fetches()).toBe(fetchesAtOpen);
    expect(t.states.at(-1)).toEqual(['live', null]);
    t.feed.stop();
    expect(t.pendingCount()).toBe(0);
  });

  it('ignores events from a source it already closed, and older snapshots', async () => {
    const t = setup(async () => snap('2025-01-01T00:00:05.000Z'));
    t.feed.start();
    await flush();
    const first = t.sources[0]!;
    first.handlers.onDown('dropped');
    await flush();
    first.handlers.onEvent('status', snap('2025-01-01T00:09:00.000Z', 'degraded'));
    first.handlers.onEvent('conflicts.counts', { unresolved: 1 });
    expect(t.events).toEqual([]);
    expect(t.snapshots.every((s) => s.health.status === 'healthy')).toBe(true);
    await t.advance(1_000);
    t.sources[1]!.handlers.onEvent('status', snap('2025-01-01T00:00:01.000Z', 'degraded'));
    expect(t.snapshots.every((s) => s.health.status === 'healthy')).toBe(true);
    t.feed.stop();
  });

  it('reports an unreachable engine and clears the error once it answers again', async () => {
    let fail = true;
    const t = setup(async () => {
      if (fail) throw new Error('The sync engine could not be reached');
      return snap('2025-01-01T00:00:00.000Z');
    });
    t.feed.start();
    await flush();
    t.sources[0]!.handlers.onDown('dropped');
    await flush();
    expect(t.states.at(-1)).toEqual(['polling', 'The sync engine could not be reached']);
    fail = false;
    await t.advance(5_000);
    expect(t.states.at(-1)).toEqual(['polling', null]);
    expect(t.snapshots).toHaveLength(1);
    t.feed.stop();
  });

  it('does nothing after stop', async () => {
    const t = setup(async () => snap('2025-01-01T00:00:00.000Z'));
    t.feed.start();
    await flush();
    t.sources[0]!.handlers.onDown('dropped');
    t.feed.stop();
    const fetches = t.fetches();
    await t.advance(60_000);
    expect(t.fetches()).toBe(fetches);
    expect(t.sources).toHaveLength(1);
  });
});
