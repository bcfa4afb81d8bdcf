import { describe, expect, it } from 'vitest';
import { PauseState } from '../../engine/sync/pauseState.js';
import { silentLogger } from '../../engine/log/index.js';
import { ManualClock } from '../support/manualClock.js';

describe('pause', () => {
  const T0 = Date.parse('2026-12-01T12:00:00Z');

  it('pauses until resumed, or for a while and then ends by itself', () => {
    const clock = new ManualClock(T0);
    const pause = new PauseState({ clock, log: silentLogger });
    const seen: boolean[] = [];
    pause.onChange(() => seen.push(pause.paused));
    pause.pause();
    expect([pause.paused, pause.until(), clock.pendingDelays()]).toEqual([true, null, []]);

    pause.pause(60 * 60_000);
    expect(pause.until()).toBe('2026-12-01T13:00:00.000Z');
    expect(clock.pendingDelays()).toEqual([60 * 60_000]);
    clock.advance(60 * 60_000 - 1);
    expect(pause.paused).toBe(true);
    clock.advance(1);
    expect([pause.paused, pause.until()]).toEqual([false, null]);
    expect(seen).toEqual([true, true, false]);
  });

  it('a new timed pause replaces the old end, and resume cancels it', () => {
    const clock = new ManualClock(T0);
    const pause = new PauseState({ clock, log: silentLogger });
    pause.pause(10 * 60_000);
    pause.pause(60 * 60_000);
    expect(clock.pendingDelays()).toEqual([60 * 60_000]);
    pause.resume();
    expect([pause.paused, clock.pendingDelays()]).toEqual([false, []]);
  });
});
