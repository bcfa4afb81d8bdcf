import type { Clock } from '../clock.js';
import type { HealthResponse, WebSocketState } from '../contracts/localHttpApi.js';
import type { EngineEvents } from '../events.js';
import { ErrorWindow } from './errorWindow.js';
import { computeHealth, type HealthInput, type HealthThresholds } from './healthRules.js';

export { computeHealth, humanMinutes, worst, type HealthInput, type HealthThresholds } from './healthRules.js';
export { ErrorWindow } from './errorWindow.js';

export interface HealthMonitorOptions {
  events: EngineEvents;
  clock: Clock;
  thresholds: HealthThresholds;
  syncEnabled: boolean;
  wsEnabled: boolean;
  /** From the store at start: sync_state's last successful skills sync. */
  lastSuccessAt: string | null;
  /** From the store at start: failed runs since the last success. */
  consecutiveFailures: number;
  /** Defaults to the clock's now when the monitor is built. */
  startedAtMs?: number;
  /** Live state when the monitor is built after the scheduler/socket already started. */
  scheduler?: { running: boolean; paused: boolean };
  wsState?: WebSocketState;
}

/**
 * Keeps the inputs of the health verdict up to date from engine events, so a probe costs a few
 * comparisons and never touches the database.
 */
export class HealthMonitor {
  private readonly input: HealthInput;
  private readonly errors = new ErrorWindow(15);
  private readonly offs: Array<() => void>;

  constructor(private readonly options: HealthMonitorOptions) {
    const { events, clock } = options;
    this.input = {
      lastSuccessAt: options.lastSuccessAt,
      startedAtMs: options.startedAtMs ?? clock.now(),
      consecutiveFailures: Math.max(0, options.consecutiveFailures),
      recentErrors: 0,
      authFailed: false,
      syncEnabled: options.syncEnabled,
      schedulerRunning: options.scheduler?.running ?? false,
      schedulerPaused: options.scheduler?.paused ?? false,
      wsEnabled: options.wsEnabled,
      wsState: options.wsState ?? (options.wsEnabled ? 'connecting' : 'disabled'),
      databaseLockedSinceMs: null,
      databaseUnreachable: null,
    };
    this.offs = [
      events.on('sync.finished', (e) => {
        if (e.result === 'success') {
          this.input.lastSuccessAt = e.at;
          this.input.consecutiveFailures = 0;
          this.input.authFailed = false;
        } else if (e.result === 'failure') {
          this.input.consecutiveFailures += 1;
          this.input.authFailed = e.error_kind === 'auth';
        }
      }),
      events.on('sync.error', (e) => this.errors.record(this.timeOf(e.at))),
      events.on('websocket.state', (s) => {
        this.input.wsEnabled = s.enabled;
        this.input.wsState = s.state;
      }),
      events.on('store.busy', (b) => {
        this.input.databaseLockedSinceMs = b.since === null ? null : this.timeOf(b.since);
      }),
      events.on('store.unreachable', (u) => {
        this.input.databaseUnreachable = u.since === null ? null : { sinceMs: this.timeOf(u.since), error: u.error ?? 'no answer' };
      }),
      events.on('scheduler.state', (s) => {
        this.input.schedulerRunning = s.running;
        this.input.schedulerPaused = s.paused;
      }),
    ];
  }

  health(nowMs: number = this.options.clock.now()): HealthResponse {
    return computeHealth({ ...this.input, recentErrors: this.errors.count(nowMs) }, this.options.thresholds, nowMs);
  }

  /**
   * This replica's role. A standby judges freshness by what the leader stored (`stored`, read from
   * the database), and its schedule and socket by whether a leader exists.
   */
  setRole(role: { standby: false } | { standby: true; leaderId: string | null; stored: { lastSuccessAt: string | null; consecutiveFailures: number } }): void {
    if (!role.standby) {
      this.input.standby = null;
      return;
    }
    this.input.standby = { leaderId: role.leaderId };
    this.input.lastSuccessAt = role.stored.lastSuccessAt;
    this.input.consecutiveFailures = role.stored.consecutiveFailures;
  }

  /** A settings change: the interval that makes a sync late, and whether sync runs at all. */
  reconfigure(change: { syncIntervalMinutes: number; syncEnabled: boolean }): void {
    this.options.thresholds = { ...this.options.thresholds, syncIntervalMinutes: change.syncIntervalMinutes };
    this.input.syncEnabled = change.syncEnabled;
    // A new token has not been refused yet.
    this.input.authFailed = false;
  }

  /** Stops listening (engine stop). */
  dispose(): void {
    this.offs.forEach((off) => off());
    this.offs.length = 0;
  }

  private timeOf(iso: string): number {
    const at = Date.parse(iso);
    return Number.isFinite(at) ? at : this.options.clock.now();
  }
}
