/**
 * Electron main process: the tray app around the engine. Decisions live in ./model (pure,
 * tested); this file only wires them to Electron's APIs and the app's lifecycle.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, dialog, powerMonitor, session } from 'electron';
import { ConfigError, loadConfig, readEnv } from '../engine/config/index.js';
import type { Engine } from '../engine/engineTypes.js';
import { createEngine } from '../engine/index.js';
import { registerAppScheme, serveAppProtocol } from './appProtocol.js';
import { AppWindow } from './appWindow.js';
import { installBridge, type Bridge } from './ipcBridge.js';
import { LoginItem } from './loginItem.js';
import { desktopEnv, envFileFor } from './model/dbLocation.js';
import { NotificationPolicy, type NotificationLevel } from './model/notificationPolicy.js';
import type { AppRoute } from './model/routes.js';
import { SettingsStore } from './model/settingsStore.js';
import { createShutdown } from './model/shutdown.js';
import { portNotice, TRAY_COMMANDS, type TrayCommand } from './model/trayModel.js';
import { Notifier } from './notifier.js';
import { electronSecretStorage } from './secretStorage.js';
import { TrayController } from './trayController.js';
import { TrayPresenter } from './trayPresenter.js';

const APP_USER_MODEL_ID = 'com.atomagentos.sync';
const STOP_DEADLINE_MS = 8_000;
const here = path.dirname(fileURLToPath(import.meta.url));

registerAppScheme();
// A tray app outlives its window.
app.on('window-all-closed', () => {});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  main().catch((error: Error) => fail('Atom Sync could not start', error.stack ?? error.message, 1));
}

function fail(title: string, message: string, code: number): void {
  process.stderr.write(`atom-sync: ${title}: ${message}\n`);
  if (app.isReady()) dialog.showErrorBox(title, message);
  app.exit(code);
}

function paths() {
  const appRoot = app.getAppPath();
  return {
    rendererDir: path.join(appRoot, 'dist', 'renderer'),
    preloadPath: path.join(here, 'preload.cjs'),
    resourcesDir: app.isPackaged ? process.resourcesPath : path.join(appRoot, 'resources'),
  };
}

function loadDesktopConfig(settings: SettingsStore) {
  const userData = app.getPath('userData');
  // Installed, the working directory is `/` or the home: relative paths and .env live in userData.
  const cwd = app.isPackaged ? userData : process.cwd();
  const envFile = envFileFor({ env: process.env, isPackaged: app.isPackaged, cwd, userData });
  const merged = readEnv({ ...process.env, ATOM_ENV_FILE: envFile }, cwd);
  const stored = settings.load();
  const { env, dbSource } = desktopEnv({
    env: merged,
    userData,
    logsDir: app.getPath('logs'),
    settingsDbPath: stored.dbPath,
    storedToken: settings.readToken(),
  });
  return { config: loadConfig(env, cwd), dbSource, settings: stored, envFile };
}

async function main(): Promise<void> {
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  await app.whenReady();
  const hidden = LoginItem.launchedHidden(process.argv);
  if (hidden) app.dock?.hide();

  const { rendererDir, preloadPath, resourcesDir } = paths();
  const settings = new SettingsStore(app.getPath('userData'), electronSecretStorage());
  let loaded: ReturnType<typeof loadDesktopConfig>;
  try {
    loaded = loadDesktopConfig(settings);
  } catch (error) {
    if (error instanceof ConfigError) return fail('Atom Sync configuration error', error.message, 2);
    throw error;
  }
  const { config } = loaded;

  let engine: Engine;
  try {
    engine = await createEngine(config, { listen: true });
    await engine.start();
  } catch (error) {
    return fail('Atom Sync could not start', (error as Error).message, 1);
  }
  const log = engine.log.child('desktop');
  if (settings.loadWarning) log.warn(settings.loadWarning);
  log.info('desktop shell started', { db_source: loaded.dbSource, env_file: loaded.envFile, hidden });
  const notice = portNotice(engine.snapshot().api);
  if (notice) log.warn('running without the local HTTP API', { notice });

  // No page of ours asks for camera, notifications, clipboard…: refuse every permission.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  serveAppProtocol(rendererDir, log);

  const iconPath = path.join(resourcesDir, 'icon.png');
  let bridge: Bridge | null = null;
  let sessionEnd: () => void = () => {};
  const window = new AppWindow({
    preloadPath,
    iconPath,
    devTools: !app.isPackaged,
    log,
    onLoaded: () => bridge?.pushStatus(),
    onOpened: () => void app.dock?.show(),
    onClosed: () => app.dock?.hide(),
    onSessionEnd: () => sessionEnd(),
  });
  bridge = installBridge({ engine, contents: () => window.contents, log });
  const openRoute = (route: AppRoute) => window.open(route);

  const loginItem = new LoginItem();
  const policy = new NotificationPolicy(Date.now(), { level: loaded.settings.notificationLevel });
  const notifier = new Notifier({ iconPath, onClick: openRoute });
  engine.events.on('conflict.detected', (e) => {
    if (!e.created) return;
    engine.services.conflicts.get(e.id).then(
      (detail) => policy.conflictDetected({ id: e.id, name: detail.entity_name ?? e.entity_id, severity: e.severity }),
      // resolved or gone meanwhile (or the store is busy): the id will do
      () => policy.conflictDetected({ id: e.id, name: e.entity_id, severity: e.severity }),
    );
  });

  const setLevel = (level: NotificationLevel) => {
    settings.update({ notificationLevel: level });
    policy.setLevel(level);
  };
  let presenter: TrayPresenter | null = null;
  const onCommand = (command: TrayCommand) => {
    try {
      runCommand(command);
    } catch (error) {
      log.error('tray command failed', { command, error: (error as Error).message });
    }
    presenter?.refresh();
  };
  const runCommand = (command: TrayCommand) => {
    const s = engine.services;
    switch (command) {
      case TRAY_COMMANDS.openDashboard: return openRoute('#/');
      case TRAY_COMMANDS.openConflicts: return openRoute('#/conflicts');
      case TRAY_COMMANDS.openUploads: return openRoute('#/uploads');
      case TRAY_COMMANDS.syncNow: {
        s.sync.trigger('incremental', 'manual').then(
          (outcome) => {
            if (!outcome.accepted) log.info('sync not started', { reason: outcome.reason });
            presenter?.refresh();
          },
          (error: unknown) => log.warn('sync not started', { error: (error as Error).message }),
        );
        return;
      }
      case TRAY_COMMANDS.reconnect: return s.websocket.reconnect();
      case TRAY_COMMANDS.syncRatings: return void s.ratings.trigger();
      case TRAY_COMMANDS.pause: return s.scheduler.pause();
      case TRAY_COMMANDS.resume: return s.scheduler.resume();
      case TRAY_COMMANDS.toggleStartAtLogin: {
        const next = !loginItem.read().enabled;
        const state = loginItem.set(next);
        settings.update({ startAtLogin: next });
        if (state.warning) log.warn('start at login', { warning: state.warning });
        return;
      }
      case TRAY_COMMANDS.notifyAll: return setLevel('all');
      case TRAY_COMMANDS.notifyErrors: return setLevel('errors');
      case TRAY_COMMANDS.notifyNone: return setLevel('none');
      case TRAY_COMMANDS.quit: return app.quit();
      case TRAY_COMMANDS.none: return;
    }
  };

  const tray = new TrayController({ resourcesDir, platform: process.platform, onCommand, log });
  presenter = new TrayPresenter({
    engine,
    policy,
    platform: process.platform,
    render: (view) => tray.render(view),
    notify: (model) => notifier.show(model),
    loginItem: () => loginItem.read(),
  });
  presenter.start();

  powerMonitor.on('suspend', () => log.info('system suspending'));
  powerMonitor.on('resume', () => {
    policy.resumed(Date.now());
    engine.notifyResumed();
  });

  const shutdown = createShutdown({
    stop: async () => {
      presenter?.stop();
      bridge?.dispose();
      await engine.stop();
    },
    exit: () => {
      tray.destroy();
      window.close();
      app.quit();
    },
    deadlineMs: STOP_DEADLINE_MS,
    onError: (message) => log.error(message),
  });
  app.on('before-quit', (event) => {
    if (shutdown.done) return;
    event.preventDefault();
    void shutdown.run('quit');
  });
  // Linux and macOS announce logout/shutdown through powerMonitor; Windows through the open
  // window's 'session-end' (without a window the session kills us, and SQLite's journal rolls
  // the batch in flight back).
  sessionEnd = () => void shutdown.run('session-end');
  powerMonitor.on('shutdown', (event?: { preventDefault?: () => void }) => {
    event?.preventDefault?.();
    void shutdown.run('system shutdown');
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutdown.run(signal));

  app.on('second-instance', () => openRoute('#/'));
  app.on('activate', () => openRoute('#/'));
  if (!hidden) openRoute('#/');
}
