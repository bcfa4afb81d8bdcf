/**
 * The emulator's clock for updated_at stamps. Strictly increasing (at least +1 ms a change), so
 * `updated_since` cursors never tie, and never earlier than the seeded data.
 */
export class ServerClock {
  private last: number;

  constructor(private readonly now: () => number, floor: number) {
    this.last = floor;
  }

  /** A fresh timestamp (ms), later than every one handed out before. */
  tick(): number {
    this.last = Math.max(Math.floor(this.now()), this.last + 1);
    return this.last;
  }

  /** Keeps later stamps after `ms` (used when seeded data is rebuilt). */
  raiseFloor(ms: number): void {
    this.last = Math.max(this.last, ms);
  }
}
