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
import { ConflictResolutionService } from './conflicts/conflictResolutionService.js';
import type { EngineSnapshot } from './contracts/api.js';
import type { Engine, EngineOptions } from './engineTypes.js';
import { EngineEvents } from './events.js';
import { HealthMonitor } from './health/healthMonitor.js';
import { createLogger, type Logger } from './log/index.js';
import { cachedRender } from './metrics/renderCache.js';
import { createSyncMetrics } from './metrics/syncMetrics.js';
import { RatingSyncService } from './ratings/ratingSyncService.js';
import { createMarketplaceClient } from './remote/marketplaceClient.js';
import { operationForPath } from './remote/operationForPath.js';
import { RealtimeClient } from './remote/realtimeClient.js';
import { buildSnapshot } from './status/snapshot.js';
import { startCheckpointer } from './store/checkpointer.js';
import { openDatabase } from './store/database.js';
import { createStamper } from './store/stamp.js';
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
  readonly db: ReturnType<typeof openDatabase>;
}

export async function createEngine(config: Config, options: EngineOptions = {}): Promise<EngineInternals> {
  const clock: Clock = options.clock ?? systemClock;
  const secrets = [config.apiToken, config.adminToken].filter((s): s is string => !!s);
  const log: Logger = options.logger ?? createLogger({ logPath: config.logPath, level: config.logLevel, secrets }, 'engine');
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

  const db = openDatabase(config.dbPath, { manualCheckpoints: true });
  const checkpointer = startCheckpointer(config.dbPath);
  const events = new EngineEvents();
  const stamp = createStamper(() => clock.now());
  const syncLog = log.child('sync');

  let sync: CatalogueSyncService | null = null;
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

  const conflicts = new ConflictResolutionService({ db, events, clock, log: log.child('conflict'), strategy: config.conflictStrategy, autoCritical: config.conflictAutoCritical });
  let scheduler: SyncScheduler | null = null;
  sync = new CatalogueSyncService({
    db,
    client,
    conflicts,
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
    db,
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
      db,
      applier: catalogue.applier,
      categories: catalogue.categories,
      stamp,
      log: wsLog,
      adjustSkillCount: (delta) => catalogue.adjustSkillCount(delta),
      refreshCategoryCount: () => catalogue.refreshCounts(),
      applyRatingUpdate: (data) => ratings.applyRatingUpdate(data),
    }),
    onReconnected: () => {
      const outcome = catalogue.trigger('incremental', 'websocket');
      if (!outcome.accepted) wsLog.info('gap-closing sync not started', { reason: outcome.reason });
    },
    onDropped: (reason, skillId) => {
      if (skillId === null) return catalogue.recordError('websocket', 'invalid_response', reason);
      // An invalid pushed skill is listed like an invalid listed one, and asked for again next run.
      catalogue.recordInvalidItem(skillId, reason);
    },
  });

  const skillsState = catalogue.state.get('skills');
  const startedAt = clock.now();
  const health = new HealthMonitor({
    events,
    clock,
    thresholds: { syncIntervalMinutes: config.syncIntervalMinutes },
    syncEnabled: config.syncEnabled,
    wsEnabled: config.wsEnabled && wsUrl !== null,
    startedAtMs: startedAt,
    lastSuccessAt: skillsState?.last_sync ?? null,
    consecutiveFailures: catalogue.runsRepo.consecutiveFailures('skills'),
  });
  const metrics = createSyncMetrics(events, { clock, intervalSeconds: config.syncIntervalMinutes * 60 });
  const initialStatus = catalogue.status();
  metrics.init({
    skills_cached: initialStatus.skills_cached,
    categories_cached: initialStatus.categories_cached,
    last_success_seconds: skillsState?.last_sync ? Date.parse(skillsState.last_sync) / 1000 : null,
    rating_pending: ratings.status().pending_count,
    failed_uploads: ratings.status().failed_count,
    conflicts: conflicts.counts(),
  });

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
    db,
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
      if (options.syncOnStart !== false) catalogue.trigger('incremental', 'startup');
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
      await checkpointer.stop();
      db.close();
      if (emulator) await emulator.close();
      log.info('stopped');
    },
    snapshot,
    dispatch: (request) => channel.dispatch(request),
    notifyResumed() {
      log.info('system resumed from sleep: reconnecting and closing the gap');
      events.emit('system.resumed', { at: new Date(clock.now()).toISOString() });
      realtime.reconnect();
      catalogue.trigger('incremental', 'resume');
    },
  };
  return engine;
}
