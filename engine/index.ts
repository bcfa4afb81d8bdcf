/**
 * The composition root: builds and wires every part of the engine. Nothing else constructs services.
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApi } from './api/createApi.js';
import { withProbeFastPath } from './api/probeFastPath.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { ConfigError, publicConfig, type Config } from './config/index.js';
import type { PublicConfig } from './contracts/publicConfig.js';
import { LOCAL_ONLY } from './config/settingFields.js';
import { describeSettings, planUpdate, type SettingsPlan } from './config/settingsUpdate.js';
import { ConflictsClient } from './conflicts/conflictsClient.js';
import type { EngineSnapshot } from './contracts/localHttpApi.js';
import type { DemoRemote, Engine, EngineOptions } from './engineTypes.js';
import { EngineError, errorMessage } from './errors.js';
import { EngineEvents } from './events.js';
import { HealthMonitor } from './health/healthMonitor.js';
import { createLogger, type Logger, type SwitchableLogger } from './log/index.js';
import { cachedRender } from './metrics/renderCache.js';
import { createSyncMetrics } from './metrics/syncMetrics.js';
import { buildSnapshot } from './status/snapshot.js';
import { createStamper } from './store/stamp.js';
import { openStore, type EngineStore } from './storeHost/openStore.js';
import { listen } from './httpListener.js';
import { PrivateChannel } from './privateChannel.js';
import { buildRemoteParts, type RemoteParts } from './remoteParts.js';
import { PauseState } from './sync/pauseState.js';
import { databaseUrlSecrets } from './config/databaseUrl.js';
import { LeaderElection } from './leader/advisoryLock.js';
import { soleLeader } from './leader/leadership.js';
import { SCHEMA_VERSION } from './store/migrations.js';
import { writeSupportBundle, type SupportBundleDeps } from './support/supportBundle.js';
import { appVersion } from './version.js';

export type { DemoRemote, DemoRemoteFactory, Engine, EngineOptions } from './engineTypes.js';

/** Where `npm run build` puts the UI, relative to this file in src (engine/) or dist (dist/engine/). */
function defaultStaticDir(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [path.resolve(here, '../dist/renderer'), path.resolve(here, '../renderer')]) {
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
  }
  return null;
}

/** Demo mode asked of an engine whose composition root gave it no demo remote (EngineOptions.demoRemote). */
const NO_DEMO_REMOTE = 'No Atom SaaS API URL is configured (ATOM_SAAS_API_URL) and this engine has no demo remote to sync with instead.';

/** How often a standby re-reads who leads and what the leader stored. */
const STANDBY_REFRESH_MS = 5_000;

export interface EngineInternals<R extends DemoRemote = DemoRemote> extends Engine {
  /** The demo remote while in demo mode, typed as its factory made it (tests inject faults through the emulator's handle). */
  readonly emulator: R | null;
  /** The store worker (tests read through it; SQL runs only there). */
  readonly store: EngineStore;
}

/** A stable object whose every property is read from whatever `current()` is now: routes keep one reference while the parts behind it are rebuilt. */
function follow<T extends object>(current: () => T): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      const target = current();
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export async function createEngine<R extends DemoRemote = DemoRemote>(initialConfig: Config, options: EngineOptions<R> = {}): Promise<EngineInternals<R>> {
  let config = initialConfig;
  const clock: Clock = options.clock ?? systemClock;
  // A token replaced at run time may still sit in older log lines: every one this process has known stays masked.
  const knownSecrets = new Set<string>();
  const secrets = (): string[] => {
    for (const secret of secretsOf(config)) knownSecrets.add(secret);
    return [...knownSecrets];
  };
  const log: Logger = options.logger ?? createLogger({ logPath: config.logPath, level: config.logLevel, secrets }, 'engine');
  // The level can be switched at run time (POST /api/admin/sync/log-level) when the engine made its logger.
  const logLevel = 'levelControl' in log ? (log as SwitchableLogger).levelControl : null;

  const demoRemote = options.demoRemote ?? null;
  // Refused before the store opens: nothing is left running.
  if (config.apiUrl === null && demoRemote === null) throw new ConfigError('ATOM_SAAS_API_URL', NO_DEMO_REMOTE);
  let emulator: R | null = null;
  /** The remote for a configuration: the demo remote in demo mode (started once, kept while demo mode lasts). */
  async function remoteFor(next: Config): Promise<{ apiUrl: string; wsUrl: string | null }> {
    if (next.apiUrl !== null) return { apiUrl: next.apiUrl, wsUrl: next.wsUrl };
    if (!emulator) {
      if (demoRemote === null) throw new ConfigError('ATOM_SAAS_API_URL', NO_DEMO_REMOTE);
      emulator = await demoRemote({ skills: next.demoSkills });
      log.warn('demo mode: no ATOM_SAAS_API_URL configured, syncing with the built-in Atom SaaS emulator', {
        api_url: emulator.apiUrl,
        skills: next.demoSkills,
      });
    }
    return { apiUrl: emulator.apiUrl, wsUrl: emulator.wsUrl };
  }

  const events = new EngineEvents();
  /** Parts built on stepping down whose init failed (the database out of reach): status reads the last ones meanwhile. */
  let unread: RemoteParts | null = null;
  const store = await openStore({
    database: config.databaseUrl === null ? { kind: 'sqlite', file: config.dbPath } : { kind: 'postgres', url: config.databaseUrl },
    events,
    log,
    conflictStrategy: config.conflictStrategy,
    conflictAutoCritical: config.conflictAutoCritical,
    busyLimitMs: config.dbBusyLimitMs,
    onBusy: (since) => events.emit('store.busy', { since: since === null ? null : new Date(since).toISOString() }),
    onCheckpointError: (message, fallback) => events.emit('store.checkpoint_error', { message, fallback }),
    onUnreachable: (since, error) => events.emit('store.unreachable', { since: since === null ? null : new Date(since).toISOString(), error }),
  });
  const stamp = createStamper(() => clock.now());
  const conflicts = new ConflictsClient(store, events);
  const pause = new PauseState({ clock, log: log.child('sync') });
  const shared = { store, events, clock, log, stamp, pause };
  let parts: RemoteParts = buildRemoteParts(config, await remoteFor(config), shared);
  const current = (): RemoteParts => parts;
  // What a locked database held back runs once it is free.
  const offBusy = events.on('store.busy', ({ since }) => {
    if (since !== null) return;
    parts.catalogue.retryAfterBusy();
    parts.ratings.retryAfterBusy();
  });

  await Promise.all([parts.init(), conflicts.init()]);
  const initialStatus = parts.catalogue.status();
  const health = new HealthMonitor({
    events,
    clock,
    thresholds: { syncIntervalMinutes: config.syncIntervalMinutes },
    syncEnabled: config.syncEnabled,
    wsEnabled: config.wsEnabled && parts.wsUrl !== null,
    startedAtMs: clock.now(),
    lastSuccessAt: initialStatus.last_sync,
    consecutiveFailures: initialStatus.consecutive_failures,
  });
  const metrics = createSyncMetrics(events, { clock, intervalSeconds: config.syncIntervalMinutes * 60 });
  metrics.init({
    skills_cached: initialStatus.skills_cached,
    categories_cached: initialStatus.categories_cached,
    last_success_seconds: initialStatus.last_sync ? Date.parse(initialStatus.last_sync) / 1000 : null,
    rating_pending: parts.ratings.status().pending_count,
    failed_uploads: parts.ratings.status().failed_count,
    conflicts: conflicts.counts(),
  });

  const apiState: EngineSnapshot['api'] = { listening: false, url: null, error: null };
  const services: Engine['services'] = {
    sync: follow(() => current().catalogue),
    scheduler: follow(() => current().scheduler),
    websocket: follow(() => current().realtime),
    ratings: follow(() => current().ratings),
    conflicts,
  };
  const snapshot = (): EngineSnapshot =>
    buildSnapshot({
      nowMs: clock.now(),
      demoMode: current().demoMode,
      services,
      health: health.health(clock.now()),
      api: apiState,
      replica,
    });
  const staticDir = options.staticDir === undefined ? defaultStaticDir() : options.staticDir;
  const metricsCache = cachedRender(() => metrics.render(), events, clock);
  const scrape = { contentType: metrics.contentType, render: metricsCache.render };
  const settingsSource = options.settings ?? null;
  const currentPublicConfig = (): PublicConfig => publicConfig(config, current().apiUrl, current().wsUrl);

  let started = false;
  let stopped = false;
  // Settings changes and role changes rebuild the remote parts: one at a time, in order.
  let queue: Promise<unknown> = Promise.resolve();
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = queue.then(fn);
    queue = next.catch(() => undefined);
    return next;
  }

  /** Saves a settings change and applies it: the remote parts are rebuilt when the change touches them. */
  function reconfigure(update: unknown): Promise<PublicConfig> {
    return serial(() => applySettings(update));
  }

  // On PostgreSQL several replicas may share the database: one leads. Alone on SQLite, this one does.
  const replicaId = options.replicaId ?? (config.databaseUrl === null ? config.instanceId : config.replicaId);
  const leadership =
    options.leadership ??
    (config.databaseUrl === null ? soleLeader(replicaId) : new LeaderElection({ instanceId: replicaId, connectionString: config.databaseUrl, logger: log }));
  const replica: EngineSnapshot['replica'] = { role: leadership.isLeader ? 'leader' : 'standby', instance_id: replicaId, leader_id: null };
  let standbyTimer: TimerHandle | null = null;

  /** This replica leads now: its remote parts start, and a run closes whatever gap the last leader left. */
  async function lead(): Promise<void> {
    if (!started || stopped || !leadership.isLeader) return;
    clearStandbyTimer();
    replica.role = 'leader';
    replica.leader_id = replica.instance_id;
    health.setRole({ standby: false });
    metrics.setLeader(true);
    log.info('leading: schedules, uploads, downloads and the socket run here', { instance_id: replica.instance_id });
    if (unread) {
      parts = unread;
      unread = null;
      await parts.init().catch((error: unknown) => log.warn('leading without the stored status; the first run reads it', { error: errorMessage(error) }));
    }
    // A database that drops again right now must not leave a leader whose schedule never started.
    await current()
      .takeOver()
      .catch((error: unknown) => log.warn('runs the last leader left open are not closed yet; the next takeover closes them', { error: errorMessage(error) }));
    current().start();
    current().startRun('takeover');
  }

  /** Another replica leads (or none can): stop the remote work, keep serving reads from the shared database. */
  async function standBy(): Promise<void> {
    if (stopped) return;
    const wasLeading = replica.role === 'leader' && started;
    replica.role = 'standby';
    metrics.setLeader(false);
    if (wasLeading) {
      log.warn('stepped down: another replica may lead now', { instance_id: replica.instance_id });
      await current().stop();
      const next = buildRemoteParts(config, await remoteFor(config), shared);
      try {
        await next.init();
        parts = next;
      } catch (error) {
        // The stopped parts keep answering status with what they last read, until these can read.
        unread = next;
        log.warn('standby could not read the shared state', { error: errorMessage(error) });
      }
    }
    await refreshStandby();
  }

  /** A standby's status follows what the leader stores, and who leads. */
  async function refreshStandby(): Promise<void> {
    clearStandbyTimer();
    if (stopped || replica.role !== 'standby') return;
    try {
      replica.leader_id = await leadership.leaderInstanceId();
      if (unread) {
        await unread.init();
        parts = unread;
        unread = null;
      } else {
        await current().init();
      }
    } catch (error) {
      log.warn('standby could not read the shared state', { error: errorMessage(error) });
    }
    // Also when the reads failed: who leads (nobody, when the lock cannot be seen) and what was last read.
    const status = current().catalogue.status();
    health.setRole({ standby: true, leaderId: replica.leader_id, stored: { lastSuccessAt: status.last_sync, consecutiveFailures: status.consecutive_failures } });
    standbyTimer = clock.setTimeout(() => void serial(refreshStandby), STANDBY_REFRESH_MS);
    standbyTimer.unref?.();
  }

  function clearStandbyTimer(): void {
    if (standbyTimer) clock.clearTimeout(standbyTimer);
    standbyTimer = null;
  }

  async function applySettings(update: unknown): Promise<PublicConfig> {
    if (stopped) throw new EngineError('stopping', 503, 'The engine is stopping; try again once it has started.');
    const plan = planUpdate(settingsSource, config, update);
    if (plan.config.apiUrl === null && demoRemote === null) throw new EngineError('invalid_setting', 400, NO_DEMO_REMOTE, { field: 'api_url' });
    saveSettings(plan);
    if (plan.changed.length === 0) return currentPublicConfig();
    const before = config;
    config = plan.config;
    const remoteChanged = plan.changed.some((field) => !LOCAL_ONLY.has(field));
    if (before.conflictStrategy !== config.conflictStrategy || before.conflictAutoCritical !== config.conflictAutoCritical) {
      await store.write.conflicts.setStrategy(config.conflictStrategy, config.conflictAutoCritical);
    }
    health.reconfigure({ syncIntervalMinutes: config.syncIntervalMinutes, syncEnabled: config.syncEnabled });
    metrics.setIntervalSeconds(config.syncIntervalMinutes * 60);
    if (remoteChanged) await rebuildRemote(before);
    log.info('settings changed', { fields: plan.changed, remote_restarted: remoteChanged });
    events.emit('config.changed', { fields: plan.changed, remote_restarted: remoteChanged });
    return currentPublicConfig();
  }

  /** Keeps a planned change (planUpdate refuses one with settings_fixed when the engine has nowhere to keep it). */
  function saveSettings(plan: SettingsPlan): void {
    try {
      plan.persistence.save(plan.saved);
    } catch (error) {
      // The desktop refuses to keep a token without a keychain: the sentence says what to do instead.
      throw new EngineError('settings_not_saved', 400, errorMessage(error), { field: 'api_token' });
    }
  }

  /** Stops the old remote parts (a batch in flight commits or rolls back), builds new ones, and starts them if the engine runs. */
  async function rebuildRemote(before: Config): Promise<void> {
    await current().stop();
    // Parts a standby built but could not read yet come from the old settings: they go too.
    if (unread) {
      await unread.stop();
      unread = null;
    }
    if (before.apiUrl === null && config.apiUrl !== null && emulator) {
      await emulator.close();
      emulator = null;
    }
    parts = buildRemoteParts(config, await remoteFor(config), shared);
    await parts.init();
    if (!started || replica.role !== 'leader') return;
    parts.start();
    // Another remote, or the first one after demo mode: list everything, so what the old one left is swept.
    parts.startRun('settings', before.apiUrl !== config.apiUrl ? 'full' : 'incremental');
  }

  const supportBundle: SupportBundleDeps = {
    config: () => config,
    snapshot,
    runs: (limit) => services.sync.runs(limit),
    recentErrors: () => services.sync.recentErrors(),
    invalidItems: (limit) => services.sync.invalidItems(limit),
    schemaVersion: async () => ({ database: await store.read.meta.schemaVersion(), build: SCHEMA_VERSION }),
    clock,
    appVersion: appVersion(),
    secrets,
  };

  const app = createApi({
    get config() {
      return config;
    },
    services,
    health: () => health.health(clock.now()),
    snapshot,
    metrics: scrape,
    events,
    log: log.child('api'),
    logLevel,
    publicConfig: currentPublicConfig,
    settings: {
      describe: () => describeSettings(settingsSource, config),
      update: reconfigure,
    },
    replica: () => ({ leading: replica.role === 'leader' && leadership.isLeader, leaderId: replica.leader_id }),
    supportBundle,
    staticDir,
    clock,
  });

  const handler = withProbeFastPath(app, { configHost: config.host, health: () => health.health(clock.now()), metrics: scrape });
  const channel = new PrivateChannel(handler);
  let server: Server | null = null;

  const engine: EngineInternals<R> = {
    get config() {
      return config;
    },
    events,
    log,
    get demoMode() {
      return current().demoMode;
    },
    get remote() {
      return { apiUrl: current().apiUrl, wsUrl: current().wsUrl };
    },
    services,
    get emulator() {
      return emulator;
    },
    store,
    get url() {
      return apiState.url;
    },
    async start() {
      if (started) return;
      started = true;
      // A lone engine leads from the start: what a crash left open is closed before anyone can ask.
      if (leadership.isLeader) await current().takeOver();
      if (options.listen !== false) {
        const result = await listen(handler, config.host, config.port);
        if ('server' in result) {
          server = result.server;
          apiState.listening = true;
          apiState.url = result.url;
          log.child('api').info('listening', { url: result.url, demo_mode: current().demoMode });
        } else {
          apiState.error = result.error;
          log.child('api').error('HTTP API not started; the engine keeps running', { error: result.error });
        }
      }
      leadership.onChange((role) => void serial(role === 'leader' ? lead : standBy));
      leadership.start();
      if (leadership.isLeader) {
        replica.leader_id = replica.instance_id;
        metrics.setLeader(true);
        current().start();
        if (options.syncOnStart !== false) current().startRun('startup');
      } else {
        await serial(standBy);
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await queue;
      clearStandbyTimer();
      offBusy();
      await leadership.stop();
      await current().stop();
      pause.dispose();
      if (server) {
        const s = server;
        server.closeAllConnections?.();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      await channel.close();
      health.dispose();
      metrics.dispose();
      metricsCache.dispose();
      await store.close();
      if (emulator) await emulator.close();
      log.info('stopped');
    },
    snapshot,
    reconfigure,
    get isLeader() {
      return replica.role === 'leader' && leadership.isLeader;
    },
    writeSupportBundle: () => writeSupportBundle(supportBundle),
    dispatch: (request) => channel.dispatch(request),
    notifyResumed() {
      log.info('system resumed from sleep: reconnecting and closing the gap');
      events.emit('system.resumed', { at: new Date(clock.now()).toISOString() });
      current().realtime.reconnect();
      current().startRun('resume');
    },
  };
  return engine;
}

/** Values the log must never show: tokens and proxy passwords. */
function secretsOf(config: Config): string[] {
  const proxyPasswords = [config.proxy.httpsProxy, config.proxy.httpProxy].flatMap((value) => {
    if (value === null) return [];
    try {
      const password = new URL(value).password;
      return password ? [password, decodeURIComponent(password)] : [];
    } catch {
      return [];
    }
  });
  const database = config.databaseUrl === null ? [] : [config.databaseUrl, ...databaseUrlSecrets(config.databaseUrl)];
  return [config.apiToken, config.adminToken, ...proxyPasswords, ...database].filter((s): s is string => !!s);
}
