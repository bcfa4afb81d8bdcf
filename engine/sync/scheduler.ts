import { errorMessage } from '../errors.js';
import schedule from 'node-schedule';
import type { Clock } from '../clock.js';
import type { EngineEvents } from '../events.js';
import type { Logger } from '../log/index.js';
import type { CatalogueSync, SchedulerControl } from '../services.js';

/** Arms one callback at a date; node-schedule in the product, a manual timer in tests. */
export interface TimerScheduler {
  at(date: Date, fn: () => void): { cancel(): void };
}

export const nodeScheduleTimer: TimerScheduler = {
  at(date, fn) {
    const job = schedule.scheduleJob(date, fn);
    return { cancel: () => void job?.cancel() };
  },
};

export interface SyncSchedulerDeps {
  sync: Pick<CatalogueSync, 'trigger'>;
  intervalMinutes: number;
  enabled: boolean;
  clock: Clock;
  events: EngineEvents;
  log: Logger;
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
  private isPaused = false;
  private readonly timer: TimerScheduler;

  constructor(private readonly deps: SyncSchedulerDeps) {
    this.timer = deps.timer ?? nodeScheduleTimer;
  }

  get running(): boolean {
    return this.isRunning;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  start(): void {
    if (!this.deps.enabled || this.isRunning) return;
    this.isRunning = true;
    this.arm();
    this.deps.log.info('sync scheduler started', { interval_minutes: this.deps.intervalMinutes, next_sync: this.nextSync() });
  }

  stop(): void {
    this.job?.cancel();
    this.job = null;
    this.next = null;
    if (this.isRunning) this.deps.log.info('sync scheduler stopped');
    this.isRunning = false;
    this.announce();
  }

  pause(): void {
    if (this.isPaused) return;
    this.isPaused = true;
    this.deps.log.info('sync paused by user');
    this.announce();
  }

  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    this.deps.log.info('sync resumed by user');
    this.announce();
  }

  nextSync(): string | null {
    return this.isRunning && !this.isPaused && this.next ? this.next.toISOString() : null;
  }

  private arm(): void {
    this.next = new Date(this.deps.clock.now() + this.deps.intervalMinutes * 60_000);
    this.job = this.timer.at(this.next, () => this.tick());
    this.announce();
  }

  private tick(): void {
    if (!this.isRunning) return;
    if (!this.isPaused) {
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
    this.deps.events.emit('scheduler.state', { running: this.isRunning, next_sync: this.nextSync(), paused: this.isPaused });
  }
}
