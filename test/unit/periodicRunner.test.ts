import schedule from 'node-schedule';
import { describe, expect, it } from 'vitest';
import { runLater, systemClock } from '../../engine/clock.js';
import { PeriodicRunner } from '../../engine/schedule/periodicRunner.js';
import { ManualClock } from '../support/manualClock.js';
import { waitFor } from '../support/waitFor.js';

const MINUTE = 60_000;

describe('periodic runner', () => {
  it('ticks after the first delay, then every interval, each armed before the tick runs', () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const ticks: number[] = [];
    const runner = new PeriodicRunner({ clock, intervalMs: 30 * MINUTE, tick: () => ticks.push(clock.now() - t0) });
    expect([runner.armed, runner.nextAt()]).toEqual([false, null]);

    runner.start(1_000);
    expect(runner.nextAt()).toBe(t0 + 1_000);
    clock.advance(999);
    expect(ticks).toEqual([]);
    clock.advance(1);
    expect(ticks).toEqual([1_000]);
    expect(runner.nextAt()).toBe(t0 + 1_000 + 30 * MINUTE);
    clock.advance(60 * MINUTE);
    expect(ticks).toEqual([1_000, 1_000 + 30 * MINUTE, 1_000 + 60 * MINUTE]);
  });

  it('starts once, stops for good, and starts again from a whole interval', () => {
    const clock = new ManualClock();
    let ticks = 0;
    const runner = new PeriodicRunner({ clock, intervalMs: MINUTE, tick: () => ticks++ });
    runner.start();
    runner.start(); // no second schedule
    expect(clock.pendingDelays()).toEqual([MINUTE]);
    clock.advance(MINUTE);
    expect(ticks).toBe(1);

    runner.stop();
    expect([runner.armed, runner.nextAt(), clock.pendingDelays()]).toEqual([false, null, []]);
    clock.advance(10 * MINUTE);
    expect(ticks).toBe(1);

    runner.start();
    expect(runner.nextAt()).toBe(clock.now() + MINUTE);
    clock.advance(MINUTE);
    expect(ticks).toBe(2);
  });

  it('a tick that stops the runner leaves nothing armed', () => {
    const clock = new ManualClock();
    const runner: PeriodicRunner = new PeriodicRunner({ clock, intervalMs: MINUTE, tick: () => runner.stop() });
    runner.start();
    clock.advance(MINUTE);
    expect([runner.armed, clock.pendingDelays()]).toEqual([false, []]);
  });
});

describe('runLater on the system clock', () => {
  it('arms a node-schedule job, which runs once at its time and is gone once cancelled', async () => {
    const jobs = () => Object.keys(schedule.scheduledJobs).length;
    const before = jobs();
    let ran = 0;
    const started = Date.now();
    runLater(systemClock, 40, () => ran++);
    expect(jobs()).toBe(before + 1);
    await waitFor(() => ran === 1, 2_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(jobs()).toBe(before);

    let cancelled = 0;
    runLater(systemClock, 20, () => cancelled++).cancel();
    expect(jobs()).toBe(before);
    await new Promise((r) => setTimeout(r, 60));
    expect([ran, cancelled]).toEqual([1, 0]);
  });

  it('runs a call that is already due at once (node-schedule itself skips a date in the past)', async () => {
    let ran = 0;
    runLater(systemClock, -5, () => ran++);
    runLater(systemClock, 0, () => ran++);
    await waitFor(() => ran === 2, 1_000);
    const never = runLater(systemClock, -5, () => ran++);
    never.cancel();
    await new Promise((r) => setTimeout(r, 20));
    expect(ran).toBe(2);
  });

  it('drives a clock without a schedule of its own through its setTimeout', () => {
    const clock = new ManualClock();
    let ran = 0;
    const call = runLater(clock, 5_000, () => ran++);
    expect(clock.pendingDelays()).toEqual([5_000]);
    call.cancel();
    expect(clock.pendingDelays()).toEqual([]);
    runLater(clock, 5_000, () => ran++);
    clock.advance(5_000);
    expect(ran).toBe(1);
  });
});
