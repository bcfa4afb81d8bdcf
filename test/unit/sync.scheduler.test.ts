import { describe, expect, it } from 'vitest';
import { EngineEvents, type EngineEventMap } from '../../engine/events.js';
import type { Logger } from '../../engine/log/index.js';
import type { TriggerOutcome, TriggerReason } from '../../engine/services.js';
import { PauseState } from '../../engine/sync/pauseState.js';
import { SyncScheduler } from '../../engine/sync/scheduler.js';
import { ManualClock } from '../support/manualClock.js';

const MINUTE = 60_000;

function lineLogger(lines: string[]): Logger {
  const log: Logger = {
    error: (m) => lines.push(`error ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    info: (m) => lines.push(`info ${m}`),
    debug: () => undefined,
    child: () => log,
  };
  return log;
}

/** The scheduler on a manual clock, with a catalogue sync that records what it was asked and answers as told. */
function setup(options: { enabled?: boolean } = {}) {
  const clock = new ManualClock();
  const events = new EngineEvents();
  const states: Array<EngineEventMap['scheduler.state']> = [];
  events.on('scheduler.state', (s) => states.push(s));
  const logs: string[] = [];
  const log = lineLogger(logs);
  const triggers: Array<{ at: number; mode: string; reason: TriggerReason }> = [];
  let answer: () => Promise<TriggerOutcome> = () => Promise.resolve({ accepted: true, run_id: triggers.length, mode: 'incremental' });
  const sync = {
    trigger: (mode: 'incremental' | 'full', reason: TriggerReason) => {
      triggers.push({ at: clock.now(), mode, reason });
      return answer();
    },
  };
  const pause = new PauseState({ clock, log });
  const scheduler = new SyncScheduler({ sync, intervalMinutes: 15, enabled: options.enabled ?? true, clock, events, log, pause });
  const answerWith = (next: () => Promise<TriggerOutcome>) => (answer = next);
  return { clock, states, logs, triggers, pause, scheduler, answerWith };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('sync scheduler', () => {
  it('starts an incremental sync every interval and tells when the next one is', () => {
    const { clock, states, triggers, scheduler } = setup();
    const t0 = clock.now();
    scheduler.start();
    expect(scheduler.running).toBe(true);
    expect(scheduler.nextSync()).toBe(new Date(t0 + 15 * MINUTE).toISOString());
    expect(states.at(-1)).toEqual({ running: true, paused: false, next_sync: new Date(t0 + 15 * MINUTE).toISOString() });

    clock.advance(15 * MINUTE - 1);
    expect(triggers).toEqual([]);
    clock.advance(1);
    expect(triggers).toEqual([{ at: t0 + 15 * MINUTE, mode: 'incremental', reason: 'schedule' }]);
    expect(states.at(-1)!.next_sync).toBe(new Date(t0 + 30 * MINUTE).toISOString());
    clock.advance(30 * MINUTE);
    expect(triggers.map((t) => t.at - t0)).toEqual([15, 30, 45].map((m) => m * MINUTE));
    scheduler.stop();
  });

  it('keeps ticking while paused without starting runs, and starts them again once resumed', () => {
    const { clock, states, triggers, pause, scheduler } = setup();
    scheduler.start();
    pause.pause();
    expect([scheduler.paused, scheduler.nextSync()]).toEqual([true, null]);
    expect(states.at(-1)).toEqual({ running: true, paused: true, next_sync: null });
    clock.advance(45 * MINUTE);
    expect(triggers).toEqual([]);

    pause.resume();
    expect(scheduler.nextSync()).toBe(new Date(clock.now() + 15 * MINUTE).toISOString());
    clock.advance(15 * MINUTE);
    expect(triggers).toHaveLength(1);
    scheduler.stop();
  });

  it('logs a tick the sync refused or could not record, and goes on ticking', async () => {
    const { clock, logs, triggers, scheduler, answerWith } = setup();
    scheduler.start();
    answerWith(() => Promise.resolve({ accepted: false, reason: 'sync_in_progress', run_id: 7 }));
    clock.advance(15 * MINUTE);
    await settle();
    expect(logs).toContain('info scheduled sync skipped');
    answerWith(() => Promise.reject(new Error('database is locked')));
    clock.advance(15 * MINUTE);
    await settle();
    expect(logs).toContain('warn scheduled sync not started');
    answerWith(() => Promise.resolve({ accepted: true, run_id: 9, mode: 'incremental' }));
    clock.advance(15 * MINUTE);
    expect(triggers).toHaveLength(3);
    scheduler.stop();
  });

  it('stops for good: no tick after stop, no next sync, and a disabled scheduler never starts', () => {
    const { clock, states, triggers, scheduler } = setup();
    scheduler.start();
    scheduler.stop();
    expect([scheduler.running, scheduler.nextSync(), clock.pendingDelays()]).toEqual([false, null, []]);
    expect(states.at(-1)).toEqual({ running: false, paused: false, next_sync: null });
    clock.advance(60 * MINUTE);
    expect(triggers).toEqual([]);

    const off = setup({ enabled: false });
    off.scheduler.start();
    expect([off.scheduler.running, off.scheduler.nextSync(), off.clock.pendingDelays()]).toEqual([false, null, []]);
    off.clock.advance(60 * MINUTE);
    expect(off.triggers).toEqual([]);
  });
});
