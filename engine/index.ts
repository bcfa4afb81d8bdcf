/**
 * The composition root: builds and wires every part of the engine. Nothing else constructs services.
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApi } from './api/createApi.js';
import { withProbeFastPath } from './api/probeFastPath.js';
import { systemClock, type Clock } from './clock.js';
import { publicConfig, type Config } from './config/index.js';
import { ConflictsClient } from './conflicts/conflictsClient.js';
import type { EngineSnapshot } from './contracts/api.js';
import type { Engine, EngineOptions } from './engineTypes.js';
import { errorMessage } from './errors.js';
import { EngineEvents } from './events.js';
import { HealthMonitor } from './health/healthMonitor.js';
import { createLogger, type Logger, type SwitchableLogger } from './log/index.js';
import { cachedRender } from './metrics/renderCache.js';
import { createSyncMetrics } from './metrics/syncMetrics.js';
import { RatingSyncService } from './ratings/ratingSyncService.js';
import { createMarketplaceClient } from './remote/marketplaceClient.js';
import { operationForPath } from './remote/operationForPath.js';
import { RealtimeClient } from './remote/realtimeClient.js';
import { buildSnapshot } from './status/snapshot.js';
import { createStamper } from './store/stamp.js';
import { openStore, type EngineStore } from './storeHost/openStore.js';
import { CatalogueSyncService } from './sync/catalogueSync.js';
import { createRealtimeApplier } from './sync/realtimeApplier.js';
import { SyncScheduler } from './sync/scheduler.js';
import { listen } from './httpListener.js';
import { PrivateChannel } from './privateChannel.js';

export type { Engine, EngineOptions } from './engineTypes.js';

/** Where `npm run build` puts the UI, relative to this file in src (engine/) or dist (dist/engine/). */
function defaultStaticDir(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [path.resolve(here, '../dist/renderer'), path.resolve(here, '../renderer')]) {
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
  }
  return null;
}

interface DemoRemote {
  apiUrl: string;
  wsUrl: string;
  baseUrl: string;
  close(): Promise<void>;
}

export interface EngineInternals extends Engine {
  /** The built-in emulator in demo mode (tests inject faults through it). */
  readonly emulator: (DemoRemote & Record<string, unknown>) | null;
  /** The store worker (tests read through it; SQL runs only there). */
  readonly store: EngineStore;
}

export async function createEngine(config: Config, options: EngineOptions = {}): Promise<EngineInternals> {
  const clock: Clock = options.clock ?? systemClock;
  const secrets = [config.apiToken, config.adminToken].filter((s): s is string => !!s);
  const log: Logger = options.logger ?? createLogger({ logPath: config.logPath, level: config.logLevel, secrets }, 'engine');
  // The level can be switched at run time (POST /api/admin/sync/log-level) when the engine made its logger.
  const logLevel = 'levelControl' in log ? (log as SwitchableLogger).levelControl : null;
  const demoMode = config.apiUrl === null;

  let emulator: EngineInternals['emulator'] = null;
  if (demoMode) {
    const { startEmulator } = await import('../emulator/index.js');
    emulator = (await startEmulator({ skills: config.demoSkills })) as unknown as NonNullable<EngineInternals['emulator']>;
    log.warn('demo mode: no ATOM_SAAS_API_URL configured, syncing with the built-in Atom SaaS emulator', {
      api_url: emulator.apiUrl,
      skills: config.demoSkills,
    });
  }
  const apiUrl = config.apiUrl ?? emulator!.apiUrl;
  const wsUrl = demoMode ? emulator!.wsUrl : config.wsUrl;

  const events = new EngineEvents();
  let sync: CatalogueSyncService | null = null;
  let ratingService: RatingSyncService | null = null;
  const store = await openStore({
    file: config.dbPath,
    events,
    log,
    conflictStrategy: config.conflictStrategy,
    conflictAutoCritical: config.conflictAutoCritical,
    busyLimitMs: config.dbBusyLimitMs,
    onBusy: (since) => {
      events.emit('store.busy', { since: since === null ? null : new Date(since).toISOString() });
      if (since !== null) return;
      // What a locked database held back runs now.
      sync?.retryAfterBusy();
      ratingService?.retryAfterBusy();
    },
    onCheckpointError: (message, fallback) => events.emit('store.checkpoint_error', { message, fallback }),
  });
  const stamp = createStamper(() => clock.now());
  const syncLog = log.child('sync');

  const client = createMarketplaceClient({
    apiUrl,
    token: config.apiToken,
    instanceId: config.instanceId,
    timeoutMs: config.httpTimeoutMs,
    clock,
    log: syncLog,
    onRetry: (error, _attempt, _delay, request) => sync?.recordError(operationForPath(request.path, request.method), error.kind, error.message),
    onServerTime: (serverTimeMs) => sync?.noteServerTime(serverTimeMs),
    onInvalidItem: (reason, skillId) => {
      syncLog.warn('invalid item skipped', { skill_id: skillId ?? undefined, reason });
      sync?.recordError('skills', 'invalid_item', `${skillId ?? 'item'}: ${reason}`);
    },
  });

  const conflicts = new ConflictsClient(store, events);
  let scheduler: SyncScheduler | null = null;
  sync = new CatalogueSyncService({
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
    nextSync: () => scheduler?.nextSync() ?? null,
    paused: () => scheduler?.paused ?? false,
  });
  const catalogue = sync;
  scheduler = new SyncScheduler({ sync: catalogue, intervalMinutes: config.syncIntervalMinutes, enabled: config.syncEnabled, clock, events, log: syncLog });
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
  const wsLog = log.child('websocket');
  const realtime = new RealtimeClient({
    url: wsUrl,
    token: config.apiToken,
    instanceId: config.instanceId,
    enabled: config.wsEnabled,
    backoffMaxSeconds: config.wsBackoffMaxSeconds,
    clock,
    log: wsLog,
    events,
    onMessage: createRealtimeApplier({
      store,
      stamp,
      log: wsLog,
      adjustSkillCount: (delta) => catalogue.adjustSkillCount(delta),
      refreshCategoryCount: () => void catalogue.refreshCounts().catch(() => undefined),
      applyRatingUpdate: (data) => ratings.applyRatingUpdate(data),
      onFrameLost: () => catalogue.noteFrameLost(),
    }),
    onReconnected: () => startRun('websocket', 'gap-closing sync not started'),
    onDropped: (reason, skillId) => {
      if (skillId === null) return catalogue.recordError('websocket', 'invalid_response', reason);
      // An invalid pushed skill is listed like an invalid listed one, and asked for again next run.
      catalogue.recordInvalidItem(skillId, reason);
    },
  });

  ratingService = ratings;
  await Promise.all([catalogue.init(), ratings.init(), conflicts.init()]);
  const initialStatus = catalogue.status();
  const startedAt = clock.now();
  const health = new HealthMonitor({
    events,
    clock,
    thresholds: { syncIntervalMinutes: config.syncIntervalMinutes },
    syncEnabled: config.syncEnabled,
    wsEnabled: config.wsEnabled && wsUrl !== null,
    startedAtMs: startedAt,
    lastSuccessAt: initialStatus.last_sync,
    consecutiveFailures: initialStatus.consecutive_failures,
  });
  const metrics = createSyncMetrics(events, { clock, intervalSeconds: config.syncIntervalMinutes * 60 });
  metrics.init({
    skills_cached: initialStatus.skills_cached,
    categories_cached: initialStatus.categories_cached,
    last_success_seconds: initialStatus.last_sync ? Date.parse(initialStatus.last_sync) / 1000 : null,
    rating_pending: ratings.status().pending_count,
    failed_uploads: ratings.status().failed_count,
    conflicts: conflicts.counts(),
  });

  /** A run started from a callback (socket, startup, wake-up): its refusal or failure is logged, never thrown. */
  function startRun(reason: 'websocket' | 'startup' | 'resume', refused: string): void {
    catalogue.trigger('incremental', reason).then(
      (outcome) => {
        if (!outcome.accepted) syncLog.info(refused, { reason: outcome.reason });
      },
      (error: unknown) => syncLog.warn(refused, { error: errorMessage(error) }),
    );
  }

  const apiState: EngineSnapshot['api'] = { listening: false, url: null, error: null };
  const services = { sync: catalogue, scheduler, websocket: realtime, ratings, conflicts };
  const snapshot = (): EngineSnapshot =>
    buildSnapshot({
      nowMs: clock.now(),
      demoMode,
      services,
      health: health.health(clock.now()),
      api: apiState,
    });
  const staticDir = options.staticDir === undefined ? defaultStaticDir() : options.staticDir;
  const metricsCache = cachedRender(() => metrics.render(), events, clock);
  const scrape = { contentType: metrics.contentType, render: metricsCache.render };
  const app = createApi({
    config,
    services,
    health: () => health.health(clock.now()),
    snapshot,
    metrics: scrape,
    events,
    log: log.child('api'),
    logLevel,
    publicConfig: () => publicConfig(config, apiUrl, wsUrl),
    staticDir,
    clock,
  });

  const handler = withProbeFastPath(app, { configHost: config.host, health: () => health.health(clock.now()), metrics: scrape });
  const channel = new PrivateChannel(handler);
  let server: Server | null = null;
  let started = false;
  let stopped = false;

  const engine: EngineInternals = {
    config,
    events,
    log,
    demoMode,
    remote: { apiUrl, wsUrl },
    services,
    app,
    emulator,
    store,
    get url() {
      return apiState.url;
    },
    async start() {
      if (started) return;
      started = true;
      if (options.listen !== false) {
        const result = await listen(handler, config.host, config.port);
        if ('server' in result) {
          server = result.server;
          apiState.listening = true;
          apiState.url = result.url;
          log.child('api').info('listening', { url: result.url, demo_mode: demoMode });
        } else {
          apiState.error = result.error;
          log.child('api').error('HTTP API not started; the engine keeps running', { error: result.error });
        }
      }
      scheduler!.start();
      ratings.start();
      realtime.start();
      if (options.syncOnStart !== false) startRun('startup', 'startup sync not started');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      scheduler!.stop();
      realtime.stop();
      await ratings.stop();
      await catalogue.stop();
      if (server) {
        const s = server;
        server.closeAllConnections?.();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      await channel.close();
      await client.close();
      health.dispose();
      metrics.dispose();
      metricsCache.dispose();
      await store.close();
      if (emulator) await emulator.close();
      log.info('stopped');
    },
    snapshot,
    dispatch: (request) => channel.dispatch(request),
    notifyResumed() {
      log.info('system resumed from sleep: reconnecting and closing the gap');
      events.emit('system.resumed', { at: new Date(clock.now()).toISOString() });
      realtime.reconnect();
      startRun('resume', 'sync after resume not started');
    },
  };
  return engine;
}
