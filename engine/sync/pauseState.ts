import { runLater, type Clock, type ScheduledCall } from '../clock.js';
import type { Logger } from '../log/index.js';

/**
 * Whether the user paused sync, and until when. One object for the engine's life, so a pause
 * outlives the remote parts being rebuilt after a settings change. A timed pause ends by itself.
 */
export class PauseState {
  private pausedNow = false;
  private untilMs: number | null = null;
  private wake: ScheduledCall | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly deps: { clock: Clock; log: Logger }) {}

  get paused(): boolean {
    return this.pausedNow;
  }

  /** ISO time a timed pause ends, or null. */
  until(): string | null {
    return this.untilMs === null ? null : new Date(this.untilMs).toISOString();
  }

  /** Without `forMs`, until resumed; with it, a new pause replaces the old one's end. */
  pause(forMs?: number): void {
    const until = forMs === undefined ? null : this.deps.clock.now() + forMs;
    if (this.pausedNow && until === this.untilMs) return;
    this.cancelWake();
    this.pausedNow = true;
    this.untilMs = until;
    if (forMs !== undefined) this.wake = runLater(this.deps.clock, forMs, () => this.end('pause ended'));
    this.deps.log.info('sync paused by user', until === null ? {} : { until: this.until() });
    this.changed();
  }

  resume(): void {
    if (this.pausedNow) this.end('sync resumed by user');
  }

  /** Returns the function that unsubscribes. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    this.cancelWake();
    this.listeners.clear();
  }

  private end(message: string): void {
    this.cancelWake();
    this.pausedNow = false;
    this.untilMs = null;
    this.deps.log.info(message);
    this.changed();
  }

  private cancelWake(): void {
    this.wake?.cancel();
    this.wake = null;
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
