import { collectDefaultMetrics, Registry } from 'prom-client';
import { systemClock, type Clock } from '../clock.js';
import { RESOLUTION_STRATEGIES, type ConflictCounts, type Severity } from '../contracts/localHttpApi.js';
import type { EngineEvents } from '../events.js';
import { defineMetrics, type SyncMetricSet } from './definitions.js';

export { SYNC_DURATION_BUCKETS } from './definitions.js';

const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
const MODES = ['incremental', 'full'] as const;
const RUN_RESULTS = ['success', 'failure', 'cancelled'] as const;
const UPLOAD_RESULTS = ['accepted', 'duplicate', 'rejected', 'failed'] as const;
/** Frame types the remote may send; anything else is counted as `other` to keep label cardinality fixed. */
const MESSAGE_TYPES = new Set(['skill_update', 'skill_delete', 'category_update', 'rating_update', 'ping', 'pong']);

const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export interface SyncMetricsOptions {
  /** prom-client's process metrics (default true). */
  defaultMetrics?: boolean;
  clock?: Clock;
  /** The configured sync interval, exposed as sync_interval_seconds. */
  intervalSeconds?: number;
}

export interface SyncMetricsInit {
  skills_cached: number;
  categories_cached: number;
  /** Unix seconds of the last successful sync, or null when none ever succeeded. */
  last_success_seconds: number | null;
  rating_pending: number;
  failed_uploads: number;
  conflicts: ConflictCounts;
}

export interface SyncMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** Initial gauge values read from the store at start; events keep them current afterwards. */
  init(values: SyncMetricsInit): void;
  /** A settings change moved the sync interval. */
  setIntervalSeconds(seconds: number): void;
  /** sync_leader: 1 while this replica runs the remote work. */
  setLeader(leading: boolean): void;
  render(): Promise<string>;
  /** Stops listening to events. */
  dispose(): void;
}

function setConflictGauge(m: SyncMetricSet, counts: ConflictCounts): void {
  for (const severity of SEVERITIES) m.conflictsUnresolved.set({ severity }, counts.by_severity?.[severity] ?? 0);
}

/** Label sets that alerts and dashboards divide by exist from the first scrape, at 0. */
function preinitialise(m: SyncMetricSet): void {
  for (const mode of MODES) {
    for (const result of RUN_RESULTS) {
      m.syncRuns.inc({ mode, result }, 0);
      m.syncDuration.zero({ mode, result });
    }
  }
  for (const result of UPLOAD_RESULTS) m.ratingUploads.inc({ result }, 0);
  for (const severity of SEVERITIES) {
    m.conflictsDetected.inc({ severity }, 0);
    m.conflictsUnresolved.set({ severity }, 0);
  }
  for (const strategy of RESOLUTION_STRATEGIES) m.conflictsResolved.inc({ strategy }, 0);
  for (const gauge of [m.lastSuccess, m.syncInProgress, m.schedulerRunning, m.syncPaused, m.skillsCached, m.categoriesCached]) gauge.set(0);
  for (const gauge of [m.wsConnected, m.wsLastMessage, m.ratingPending, m.ratingFailed]) gauge.set(0);
}

const seconds = (iso: string | null): number | null => {
  const ms = iso === null ? NaN : Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : null;
};

/** Prometheus metrics fed by engine events: a scrape reads counters, never the database. */
export function createSyncMetrics(events: EngineEvents, opts: SyncMetricsOptions = {}): SyncMetrics {
  const clock = opts.clock ?? systemClock;
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // prom-client names these gauges `_total`, which promtool rejects as counter-only; the
    // per-type gauges (nodejs_active_handles{type} etc.) carry the same numbers.
    for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);
  }
  const m = defineMetrics(registry);
  preinitialise(m);

  let lockedSince: number | null = null;
  const offs = [
    events.on('sync.started', () => m.syncInProgress.set(1)),
    events.on('sync.finished', (e) => {
      m.syncInProgress.set(0);
      m.syncRuns.inc({ mode: e.mode, result: e.result });
      m.syncDuration.observe({ mode: e.mode, result: e.result }, Math.max(0, e.duration_ms) / 1000);
      const at = seconds(e.at);
      if (e.result === 'success') m.lastSuccess.set(at ?? clock.now() / 1000);
    }),
    events.on('sync.error', (e) => m.syncErrors.inc({ operation: e.operation, kind: e.kind })),
    events.on('catalogue.counts', (e) => {
      m.skillsCached.set(e.skills_cached);
      m.categoriesCached.set(e.categories_cached);
    }),
    events.on('scheduler.state', (e) => {
      m.schedulerRunning.set(e.running ? 1 : 0);
      m.syncPaused.set(e.paused ? 1 : 0);
    }),
    events.on('websocket.state', (e) => {
      m.wsConnected.set(e.state === 'connected' ? 1 : 0);
      const last = seconds(e.last_message);
      if (last !== null) m.wsLastMessage.set(last);
    }),
    events.on('websocket.reconnect', () => m.wsReconnects.inc()),
    events.on('store.busy', (e) => {
      lockedSince = e.since === null ? null : Date.parse(e.since);
    }),
    events.on('store.checkpoint_error', () => m.checkpointErrors.inc()),
    events.on('websocket.message', (e) => {
      m.wsMessages.inc({ type: MESSAGE_TYPES.has(e.type) ? e.type : 'other' });
      m.wsLastMessage.set(clock.now() / 1000);
    }),
    events.on('ratings.upload', (e) => {
      if (e.count > 0) m.ratingUploads.inc({ result: e.result }, e.count);
    }),
    events.on('ratings.status', (e) => {
      m.ratingPending.set(e.pending_count);
      m.ratingFailed.set(e.failed_count);
    }),
    events.on('conflict.detected', (e) => {
      if (e.created) m.conflictsDetected.inc({ severity: e.severity });
    }),
    events.on('conflict.resolved', (e) => m.conflictsResolved.inc({ strategy: e.strategy })),
    events.on('conflicts.counts', (counts) => setConflictGauge(m, counts)),
  ];

  return {
    registry,
    contentType: registry.contentType,
    init(values) {
      if (opts.intervalSeconds !== undefined) m.syncInterval.set(opts.intervalSeconds);
      m.skillsCached.set(values.skills_cached);
      m.categoriesCached.set(values.categories_cached);
      m.lastSuccess.set(values.last_success_seconds ?? 0);
      m.ratingPending.set(values.rating_pending);
      m.ratingFailed.set(values.failed_uploads);
      setConflictGauge(m, values.conflicts);
    },
    setIntervalSeconds(seconds) {
      m.syncInterval.set(seconds);
    },
    setLeader(leading) {
      m.leader.set(leading ? 1 : 0);
    },
    render: () => {
      m.databaseLocked.set(lockedSince === null ? 0 : Math.max(0, (clock.now() - lockedSince) / 1000));
      return registry.metrics();
    },
    dispose() {
      offs.forEach((off) => off());
      offs.length = 0;
    },
  };
}
