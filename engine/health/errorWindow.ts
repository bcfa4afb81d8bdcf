/**
 * Counts events in a sliding window with one bucket per minute, so "errors in the last 15 min"
 * costs a few additions instead of a table scan, and memory stays fixed however many errors come.
 */
export class ErrorWindow {
  private readonly minutes: number[];
  private readonly counts: number[];

  constructor(private readonly windowMinutes = 15) {
    this.minutes = new Array<number>(windowMinutes).fill(-1);
    this.counts = new Array<number>(windowMinutes).fill(0);
  }

  record(atMs: number, count = 1): void {
    const minute = Math.floor(atMs / 60_000);
    const slot = ((minute % this.windowMinutes) + this.windowMinutes) % this.windowMinutes;
    if (this.minutes[slot] !== minute) {
      this.minutes[slot] = minute;
      this.counts[slot] = 0;
    }
    this.counts[slot] = (this.counts[slot] ?? 0) + count;
  }

  /** Events recorded in the window ending at `nowMs` (the current minute and the ones before it). */
  count(nowMs: number): number {
    const current = Math.floor(nowMs / 60_000);
    let total = 0;
    for (let i = 0; i < this.windowMinutes; i++) {
      const minute = this.minutes[i] ?? -1;
      if (minute > current - this.windowMinutes && minute <= current) total += this.counts[i] ?? 0;
    }
    return total;
  }
}
