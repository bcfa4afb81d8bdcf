import type { Clock, TimerHandle } from '../../engine/clock.js';

interface Pending {
  at: number;
  fn: () => void;
  ms: number;
  id: number;
}

/** A clock that moves only when told to; records every delay it was asked for. */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private pending: Pending[] = [];
  readonly requested: number[] = [];

  constructor(start = Date.parse('2026-02-19T10:00:00Z')) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const entry = { at: this.time + ms, fn, ms, id: ++this.seq };
    this.pending.push(entry);
    this.requested.push(ms);
    return { id: entry.id, unref() {} } as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    const id = (handle as { id?: number }).id;
    this.pending = this.pending.filter((p) => p.id !== id);
  }

  /** Pending delays, soonest first. */
  pendingDelays(): number[] {
    return this.pending.map((p) => p.ms).sort((a, b) => a - b);
  }

  /** Moves time forward, firing what falls due in order. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (let guard = 0; guard < 10_000; guard++) {
      const next = this.pending.filter((p) => p.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.time = next.at;
      next.fn();
    }
    this.time = target;
  }

  /** Fires the soonest pending timer, whatever its delay; returns that delay. */
  fireNext(): number | null {
    const next = [...this.pending].sort((a, b) => a.at - b.at)[0];
    if (!next) return null;
    this.pending = this.pending.filter((p) => p !== next);
    this.time = Math.max(this.time, next.at);
    next.fn();
    return next.ms;
  }
}
