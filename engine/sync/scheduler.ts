import { errorMessage } from '../errors.js';
import type { Clock } from '../clock.js';
import type { EngineEvents } from '../events.js';
import type { Logger } from '../log/index.js';
import type { CatalogueSync, SchedulerControl } from '../services.js';

import type { PauseState } from './pauseState.js';
import { nodeScheduleTimer, type TimerScheduler } from './timer.js';

export interface SyncSchedulerDeps {
  sync: Pick<CatalogueSync, 'trigger'>;
  intervalMinutes: number;
  enabled: boolean;
  clock: Clock;
  events: EngineEvents;
  log: Logger;
  /** The engine's one pause, shared with whatever scheduler runs next. */
  pause: PauseState;
  timer?: TimerScheduler;
}

/**
 * Runs an incremental sync every interval. A tick that finds a run in progress is skipped
 * (runs never overlap); manual triggers go through the same `trigger`, so they queue the same way.
 */
export class SyncScheduler implements SchedulerControl {
  private job: { cancel(): void } | null = null;
  private next: Date | null = null;
  private isRunning = false;
  private readonly timer: TimerScheduler;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: SyncSchedulerDeps) {
    this.timer = deps.timer ?? nodeScheduleTimer;
  }

  get running(): boolean {
    return this.isRunning;
  }

  get paused(): boolean {
    return this.deps.pause.paused;
  }

  pausedUntil(): string | null {
    return this.deps.pause.until();
  }

  start(): void {
    if (!this.deps.enabled || this.isRunning) return;
    this.isRunning = true;
    this.unsubscribe = this.deps.pause.onChange(() => this.announce());
    this.arm();
    this.deps.log.info('sync scheduler started', { interval_minutes: this.deps.intervalMinutes, next_sync: this.nextSync() });
  }

  stop(): void {
    this.job?.cancel();
    this.job = null;
    this.next = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.isRunning) this.deps.log.info('sync scheduler stopped');
    this.isRunning = false;
    this.announce();
  }

  pause(forMs?: number): void {
    this.deps.pause.pause(forMs);
  }

  resume(): void {
    this.deps.pause.resume();
  }

  nextSync(): string | null {
    return this.isRunning && !this.paused && this.next ? this.next.toISOString() : null;
  }

  private arm(): void {
    this.next = new Date(this.deps.clock.now() + this.deps.intervalMinutes * 60_000);
    this.job = this.timer.at(this.next, () => this.tick());
    this.announce();
  }

  private tick(): void {
    if (!this.isRunning) return;
    if (!this.paused) {
      // A store that cannot record the run (locked past the limit) fails this tick, not the process.
      this.deps.sync.trigger('incremental', 'schedule').then(
        (outcome) => {
          if (!outcome.accepted) this.deps.log.info('scheduled sync skipped', { reason: outcome.reason });
        },
        (error: unknown) => this.deps.log.warn('scheduled sync not started', { error: errorMessage(error) }),
      );
    }
    this.arm();
  }

  private announce(): void {
    this.deps.events.emit('scheduler.state', { running: this.isRunning, next_sync: this.nextSync(), paused: this.paused });
  }
}
