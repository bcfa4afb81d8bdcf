import { errorMessage } from '../errors.js';
import type { Clock } from '../clock.js';
import type { EngineEvents } from '../events.js';
import type { Logger } from '../log/index.js';
import { PeriodicRunner } from '../schedule/periodicRunner.js';
import type { CatalogueSync, SchedulerControl } from '../services.js';
import type { PauseState } from './pauseState.js';

export interface SyncSchedulerDeps {
  sync: Pick<CatalogueSync, 'trigger'>;
  intervalMinutes: number;
  enabled: boolean;
  clock: Clock;
  events: EngineEvents;
  log: Logger;
  /** The engine's one pause, shared with whatever scheduler runs next. */
  pause: PauseState;
}

/**
 * Runs an incremental sync every interval. A tick that finds a run in progress is skipped
 * (runs never overlap); manual triggers go through the same `trigger`, so they queue the same way.
 */
export class SyncScheduler implements SchedulerControl {
  private isRunning = false;
  private readonly runner: PeriodicRunner;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: SyncSchedulerDeps) {
    this.runner = new PeriodicRunner({ clock: deps.clock, intervalMs: deps.intervalMinutes * 60_000, tick: () => this.tick() });
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
    this.runner.start();
    this.announce();
    this.deps.log.info('sync scheduler started', { interval_minutes: this.deps.intervalMinutes, next_sync: this.nextSync() });
  }

  stop(): void {
    this.runner.stop();
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
    const next = this.runner.nextAt();
    return this.isRunning && !this.paused && next !== null ? new Date(next).toISOString() : null;
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
    this.announce(); // the next tick is armed: its time is news
  }

  private announce(): void {
    this.deps.events.emit('scheduler.state', { running: this.isRunning, next_sync: this.nextSync(), paused: this.paused });
  }
}
