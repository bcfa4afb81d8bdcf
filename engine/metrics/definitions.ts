import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Seconds: a quick incremental run takes well under a second, a cold full listing minutes. */
export const SYNC_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** Every series the engine exposes. Names are the operators' contract (the runbook greps them). */
export function defineMetrics(register: Registry) {
  const registers = [register];
  return {
    syncDuration: new Histogram({
      name: 'sync_duration_seconds',
      help: 'Duration of catalogue sync runs in seconds',
      labelNames: ['mode', 'result'] as const,
      buckets: SYNC_DURATION_BUCKETS,
      registers,
    }),
    syncRuns: new Counter({ name: 'sync_runs_total', help: 'Catalogue sync runs by mode and result', labelNames: ['mode', 'result'] as const, registers }),
    syncErrors: new Counter({
      name: 'sync_errors_total',
      help: 'Failed sync operations by operation and error kind',
      labelNames: ['operation', 'kind'] as const,
      registers,
    }),
    lastSuccess: new Gauge({
      name: 'sync_last_success_timestamp_seconds',
      help: 'Unix time of the last successful catalogue sync (0 = never)',
      registers,
    }),
    syncInterval: new Gauge({
      name: 'sync_interval_seconds',
      help: 'Configured time between scheduled syncs (alerts compare staleness to it)',
      registers,
    }),
    leader: new Gauge({ name: 'sync_leader', help: '1 while this replica leads (runs schedules, uploads, downloads and the socket); 0 on a standby', registers }),
    syncInProgress: new Gauge({ name: 'sync_in_progress', help: '1 while a catalogue sync runs', registers }),
    schedulerRunning: new Gauge({ name: 'sync_scheduler_running', help: '1 while the sync scheduler runs', registers }),
    syncPaused: new Gauge({ name: 'sync_paused', help: '1 while scheduled sync is paused by the user', registers }),
    skillsCached: new Gauge({ name: 'sync_skills_cached', help: 'Skills in the local cache', registers }),
    categoriesCached: new Gauge({ name: 'sync_categories_cached', help: 'Categories in the local cache', registers }),
    wsConnected: new Gauge({ name: 'websocket_connected', help: '1 while the WebSocket to Atom SaaS is connected', registers }),
    databaseLocked: new Gauge({
      name: 'sync_database_locked_seconds',
      help: 'How long another process has held the database lock (0 = free)',
      registers,
    }),
    checkpointErrors: new Counter({
      name: 'sync_store_checkpoint_errors_total',
      help: 'WAL checkpoints that failed (other than busy)',
      registers,
    }),
    wsReconnects: new Counter({ name: 'websocket_reconnects_total', help: 'WebSocket reconnection attempts', registers }),
    wsMessages: new Counter({ name: 'websocket_messages_total', help: 'WebSocket messages received by type', labelNames: ['type'] as const, registers }),
    wsLastMessage: new Gauge({
      name: 'websocket_last_message_timestamp_seconds',
      help: 'Unix time of the last WebSocket message (0 = none yet)',
      registers,
    }),
    ratingPending: new Gauge({ name: 'rating_sync_pending', help: 'Local ratings waiting to be uploaded', registers }),
    ratingUploads: new Counter({
      name: 'rating_sync_uploads_total',
      help: 'Ratings uploaded by outcome',
      labelNames: ['result'] as const,
      registers,
    }),
    ratingFailed: new Gauge({ name: 'rating_sync_failed_uploads', help: 'Rating uploads that failed and wait for a retry', registers }),
    conflictsDetected: new Counter({
      name: 'conflicts_detected_total',
      help: 'Sync conflicts detected by severity',
      labelNames: ['severity'] as const,
      registers,
    }),
    conflictsUnresolved: new Gauge({
      name: 'conflicts_unresolved',
      help: 'Unresolved sync conflicts by severity (sum for the total)',
      labelNames: ['severity'] as const,
      registers,
    }),
    conflictsResolved: new Counter({
      name: 'conflicts_resolved_total',
      help: 'Sync conflicts resolved by strategy',
      labelNames: ['strategy'] as const,
      registers,
    }),
  };
}

export type SyncMetricSet = ReturnType<typeof defineMetrics>;
