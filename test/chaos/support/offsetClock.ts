import type { Clock, TimerHandle } from '../../../engine/clock.js';

/**
 * Real time and real timers, plus a jump forward on demand: lets a test see what the engine
 * reports once a 15-minute error window has passed, without waiting for it (timers still fire
 * on the wall clock, so retries and backoff behave as in production).
 */
export class OffsetClock implements Clock {
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return setTimeout(fn, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  }

  advance(ms: number): void {
    this.offset += ms;
  }
}
