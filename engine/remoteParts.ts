/**
 * The parts of the engine that talk to Atom SaaS: the HTTP client, catalogue and rating sync,
 * their schedules and the socket. They are built from one configuration and rebuilt whole when
 * a setting changes; the store, the API, health and metrics live on.
 */
import type { Clock } from './clock.js';
import type { Config } from './config/index.js';
import { errorMessage } from './errors.js';
import type { EngineEvents } from './events.js';
import type { Logger } from './log/index.js';
import { RatingSyncService } from './ratings/ratingSyncService.js';
import { createMarketplaceClient } from './remote/marketplaceClient.js';
import { operationForPath } from './remote/operationForPath.js';
import { RealtimeClient } from './remote/realtimeClient.js';
import type { TriggerReason } from './services.js';
import type { Stamper } from './store/stamp.js';
import type { EngineStore } from './storeHost/openStore.js';
import { CatalogueSyncService } from './sync/catalogueSync.js';
import type { PauseState } from './sync/pauseState.js';
import { createRealtimeApplier } from './sync/realtimeApplier.js';
import { SyncScheduler } from './sync/scheduler.js';

export interface RemoteShared {
  store: EngineStore;
  events: EngineEvents;
  clock: Clock;
  log: Logger;
  stamp: Stamper;
  pause: PauseState;
}

export interface RemoteParts {
  readonly config: Config;
  readonly demoMode: boolean;
  readonly apiUrl: string;
  readonly wsUrl: string | null;
  readonly catalogue: CatalogueSyncService;
  readonly scheduler: SyncScheduler;
  readonly ratings: RatingSyncService;
  readonly realtime: RealtimeClient;
  /** Reads what status() answers from. */
  init(): Promise<void>;
  /** Before leading: closes what the last leader (or a crash) left open. */
  takeOver(): Promise<void>;
  start(): void;
  /** A run started from a callback (socket, startup, wake-up, settings): a refusal or failure is logged, never thrown. */
  startRun(reason: TriggerReason, mode?: 'incremental' | 'full'): void;
  /** Lets the run in flight stop at its next request and closes the connections. */
  stop(): Promise<void>;
}

export function buildRemoteParts(config: Config, remote: { apiUrl: string; wsUrl: string | null }, shared: RemoteShared): RemoteParts {
  const { store, events, clock, log, stamp } = shared;
  const demoMode = config.apiUrl === null;
  const syncLog = log.child('sync');
  // What the client sees goes on the bus: the catalogue service, built on this client, listens.
  const client = createMarketplaceClient({
    apiUrl: remote.apiUrl,
    token: config.apiToken,
    instanceId: config.instanceId,
    timeoutMs: config.httpTimeoutMs,
    proxy: config.proxy,
    clock,
    log: syncLog,
    onRetry: (error, _attempt, _delay, request) =>
      events.emit('remote.retry', { operation: operationForPath(request.path, request.method), kind: error.kind, message: error.message }),
    onServerTime: (serverTimeMs) => events.emit('remote.server_time', { server_time_ms: serverTimeMs }),
    onInvalidItem: (reason, skillId) => {
      syncLog.warn('invalid item skipped', { skill_id: skillId ?? undefined, reason });
      events.emit('remote.invalid_item', { skill_id: skillId, reason });
    },
  });

  const sync = new CatalogueSyncService({
    store,
    client,
    events,
    clock,
    log: syncLog,
    stamp,
    batchSize: config.syncBatchSize,
    fullSyncIntervalMinutes: config.fullSyncIntervalMinutes,
    enabled: config.syncEnabled,
    demoMode,
    pause: shared.pause,
  });
  const scheduler = new SyncScheduler({ sync, intervalMinutes: config.syncIntervalMinutes, enabled: config.syncEnabled, clock, events, log: syncLog, pause: shared.pause });
  sync.useSchedule(scheduler);
  const ratings = new RatingSyncService({
    store,
    client,
    events,
    clock,
    log: log.child('rating_sync'),
    config: {
      ratingBatchSize: config.ratingBatchSize,
      ratingMaxAttempts: config.ratingMaxAttempts,
      ratingSyncIntervalMinutes: config.ratingSyncIntervalMinutes,
    },
    enabled: config.syncEnabled,
  });

  const startRun = (reason: TriggerReason, mode: 'incremental' | 'full' = 'incremental'): void => {
    const refused = `${reason} sync not started`;
    sync.trigger(mode, reason).then(
      (outcome) => {
        if (!outcome.accepted) syncLog.info(refused, { reason: outcome.reason });
      },
      (error: unknown) => syncLog.warn(refused, { error: errorMessage(error) }),
    );
  };

  const wsLog = log.child('websocket');
  const realtime = new RealtimeClient({
    url: remote.wsUrl,
    token: config.apiToken,
    instanceId: config.instanceId,
    enabled: config.wsEnabled,
    backoffMaxSeconds: config.wsBackoffMaxSeconds,
    proxy: config.proxy,
    clock,
    log: wsLog,
    events,
    onMessage: createRealtimeApplier({
      store,
      stamp,
      log: wsLog,
      adjustSkillCount: (delta) => sync.adjustSkillCount(delta),
      refreshCategoryCount: () => void sync.refreshCounts().catch(() => undefined),
      applyRatingUpdate: (data) => ratings.applyRatingUpdate(data),
      onFrameLost: () => sync.noteFrameLost(),
    }),
    onReconnected: () => startRun('websocket'),
    onDropped: (reason, skillId) => {
      if (skillId === null) return sync.recordError('websocket', 'invalid_response', reason);
      // An invalid pushed skill is listed like an invalid listed one, and asked for again next run.
      sync.recordInvalidItem(skillId, reason);
    },
  });

  return {
    config,
    demoMode,
    apiUrl: remote.apiUrl,
    wsUrl: remote.wsUrl,
    catalogue: sync,
    scheduler,
    ratings,
    realtime,
    startRun,
    async init() {
      await Promise.all([sync.init(), ratings.init()]);
    },
    async takeOver() {
      await sync.takeOver();
    },
    start() {
      scheduler.start();
      ratings.start();
      realtime.start();
    },
    async stop() {
      scheduler.stop();
      realtime.stop();
      await ratings.stop();
      await sync.stop();
      await client.close();
    },
  };
}
