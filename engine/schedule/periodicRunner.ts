import { runLater, type Clock, type ScheduledCall } from '../clock.js';

export interface PeriodicRunnerOptions {
  clock: Clock;
  intervalMs: number;
  /** Called on every tick, once the next tick is armed. */
  tick: () => void;
}

/**
 * Calls `tick` every interval, the one schedule the catalogue and rating syncs both run on.
 * Each tick arms the next one a whole interval later (node-schedule with the system clock, see
 * `runLater`), so a slow tick never shifts the later ones onto each other. What a tick does when
 * the previous run is still going is the caller's choice.
 */
export class PeriodicRunner {
  private call: ScheduledCall | null = null;
  private nextAtMs: number | null = null;

  constructor(private readonly options: PeriodicRunnerOptions) {}

  get armed(): boolean {
    return this.call !== null;
  }

  /** The clock's time of the next tick, or null when stopped. */
  nextAt(): number | null {
    return this.nextAtMs;
  }

  /** Arms the first tick `firstDelayMs` from now (a whole interval by default); a started runner stays as it is. */
  start(firstDelayMs = this.options.intervalMs): void {
    if (this.call) return;
    this.arm(firstDelayMs);
  }

  stop(): void {
    this.call?.cancel();
    this.call = null;
    this.nextAtMs = null;
  }

  private arm(delayMs: number): void {
    const { clock } = this.options;
    this.nextAtMs = clock.now() + delayMs;
    const call = runLater(clock, delayMs, () => {
      if (this.call !== call) return; // stopped, or started again, after this one fired
      this.arm(this.options.intervalMs);
      this.options.tick();
    });
    this.call = call;
  }
}
