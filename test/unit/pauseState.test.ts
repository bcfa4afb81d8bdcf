import { describe, expect, it } from 'vitest';
import { PauseState } from '../../engine/sync/pauseState.js';
import type { TimerScheduler } from '../../engine/sync/timer.js';
import { silentLogger } from '../../engine/log/index.js';

/** A timer the test fires by hand. */
function manualTimer() {
  const armed: Array<{ at: Date; fn: () => void; cancelled: boolean }> = [];
  const timer: TimerScheduler = {
    at(at, fn) {
      const job = { at, fn, cancelled: false };
      armed.push(job);
      return { cancel: () => void (job.cancelled = true) };
    },
  };
  return { timer, live: () => armed.filter((j) => !j.cancelled) };
}

describe('pause', () => {
  const T0 = Date.parse('2026-12-01T12:00:00Z');
  const clock = { now: () => T0 } as never;

  it('pauses until resumed, or for a while and then ends by itself', () => {
    const { timer, live } = manualTimer();
    const pause = new PauseState({ clock, log: silentLogger, timer });
    const seen: boolean[] = [];
    pause.onChange(() => seen.push(pause.paused));
    pause.pause();
    expect([pause.paused, pause.until(), live()]).toEqual([true, null, []]);

    pause.pause(60 * 60_000);
    expect(pause.until()).toBe('2026-12-01T13:00:00.000Z');
    expect(live().map((j) => j.at.toISOString())).toEqual(['2026-12-01T13:00:00.000Z']);
    live()[0]!.fn();
    expect([pause.paused, pause.until()]).toEqual([false, null]);
    expect(seen).toEqual([true, true, false]);
  });

  it('a new timed pause replaces the old end, and resume cancels it', () => {
    const { timer, live } = manualTimer();
    const pause = new PauseState({ clock, log: silentLogger, timer });
    pause.pause(10 * 60_000);
    pause.pause(60 * 60_000);
    expect(live()).toHaveLength(1);
    pause.resume();
    expect([pause.paused, live()]).toEqual([false, []]);
  });
});
