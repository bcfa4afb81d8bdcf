/**
 * The emulator's clock for updated_at stamps. By default strictly increasing (at least +1 ms a
 * change), so `updated_since` cursors never tie, and never earlier than the seeded data. Faults
 * can skew it (it runs ahead of or behind real time) and coarsen it (stamps truncated to a
 * resolution, so changes tie, as on many real servers).
 */
export class ServerClock {
  private last: number;
  private skewMs = 0;
  private resolutionMs: number | undefined;
  /** A skew has moved the clock since the last reset, so a reset steps it back to real time. */
  private skewed = false;

  constructor(private readonly now: () => number, private readonly floor: number) {
    this.last = floor;
  }

  /** The server's idea of the time now (real time + skew), without the monotonic guard. */
  wallNow(): number {
    return Math.floor(this.now()) + this.skewMs;
  }

  /** A fresh timestamp (ms): later than every one before, unless a resolution lets it tie. */
  tick(): number {
    const wall = this.wallNow();
    const res = this.resolutionMs;
    if (res !== undefined) {
      const stamp = Math.max(Math.floor(wall / res) * res, Math.ceil(this.floor / res) * res);
      this.last = Math.max(this.last, stamp);
      return stamp;
    }
    this.last = Math.max(wall, this.last + 1);
    return this.last;
  }

  /**
   * Applies the clock faults. Setting a new skew steps the clock at once, backwards too (as an
   * NTP step would); dropping the skew does not step back: stamps stay increasing and rejoin
   * real time when it catches up.
   */
  configure(skewMs: number | undefined, resolutionMs: number | undefined): void {
    if (skewMs !== undefined && skewMs !== this.skewMs) {
      this.skewMs = skewMs;
      this.skewed = true;
      this.last = Math.max(this.floor, Math.min(this.last, this.wallNow() - 1));
    } else if (skewMs === undefined) {
      this.skewMs = 0;
    }
    this.resolutionMs = resolutionMs;
  }

  /** No faults; if a skew was in force since the last reset, back to real time. */
  reset(): void {
    this.configure(undefined, undefined);
    if (this.skewed) this.last = Math.max(this.floor, Math.min(this.last, this.wallNow() - 1));
    this.skewed = false;
  }

  /** Keeps later stamps after `ms` (used when seeded data is rebuilt). */
  raiseFloor(ms: number): void {
    this.last = Math.max(this.last, ms);
  }
}
