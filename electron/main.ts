/**
 * Electron main process: the tray app around the engine. Decisions live in ./model (pure,
 * tested); this file only wires them to Electron's APIs and the app's lifecycle. The engine runs
 * in this process, unless an atom-sync daemon already serves the same database on our port: then
 * the app attaches to it (model/attachDecision.ts) and never opens the file itself.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, dialog, powerMonitor, session, shell } from 'electron';
import { ConfigError, type Config } from '../engine/config/index.js';
import { startEmulator } from '../emulator/index.js';
import { createEngine } from '../engine/index.js';
import { createShutdown } from '../engine/lifecycle/shutdown.js';
import { createLogger, type Logger } from '../engine/log/index.js';
import { registerAppScheme, serveAppProtocol } from './appProtocol.js';
import { AppWindow } from './appWindow.js';
import { AttachedLink } from './attachedLink.js';
import { probeDaemon } from './daemonProbe.js';
import { loadDesktopSetup, type DesktopSetup } from './desktopConfig.js';
import type { EngineLink } from './engineLink.js';
import { inProcessLink } from './inProcessLink.js';
import { installBridge, type Bridge } from './ipcBridge.js';
import { LoginItem } from './loginItem.js';
import { attachDecision } from './model/attachDecision.js';
import { NotificationPolicy } from './model/notificationPolicy.js';
import { startRoute, type AppRoute } from './model/routes.js';
import { portNotice } from './model/trayModel.js';
import { Notifier } from './notifier.js';
import { trayCommands } from './trayCommands.js';
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

/** The database as the OS names it (a symlinked folder still means the same file). */
function canonical(file: string): string {
  try {
    return realpathSync.native(file);
  } catch {
    try {
      return path.join(realpathSync.native(path.dirname(file)), path.basename(file));
    } catch {
      return path.resolve(file);
    }
  }
}

/** Our own engine, or the daemon already serving our database; null after a refusal was shown. */
async function openLink(setup: DesktopSetup): Promise<{ link: EngineLink; log: Logger } | null> {
  const config: Config = setup.config;
  const probe = await probeDaemon(config.host, config.port, config.adminToken);
  const decision = attachDecision(probe, { dbPath: canonical(config.dbPath), port: config.port, platform: process.platform });
  if (decision.action === 'refuse') {
    fail(decision.title, decision.message, 1);
    return null;
  }
  if (decision.action === 'attach') {
    // The daemon writes its own log; ours goes beside it under another name.
    const logPath = path.join(path.dirname(config.logPath), 'atom-sync-desktop.log');
    const log = createLogger({ logPath, level: config.logLevel, secrets: [config.apiToken, config.adminToken].filter((s): s is string => !!s) }, 'desktop');
    try {
      const link = await AttachedLink.connect({ url: decision.url, adminToken: config.adminToken, log });
      log.info('attached to the running Atom Sync service', { url: decision.url, db_path: config.dbPath });
      return { link, log };
    } catch (error) {
      fail('Atom Sync could not start', `An Atom Sync service answers at ${decision.url} but could not be used: ${(error as Error).message}`, 1);
      return null;
    }
  }
  // Demo mode syncs with the emulator, a shipped stand-in for Atom SaaS.
  const engine = await createEngine(config, { listen: true, settings: setup.source, demoRemote: startEmulator });
  await engine.start();
  const log = engine.log.child('desktop');
  if (decision.note) log.warn('local API port taken', { note: decision.note });
  const notice = portNotice(engine.snapshot().api);
  if (notice) log.warn('running without the local HTTP API', { notice });
  return { link: inProcessLink(engine, { log }), log };
}

async function main(): Promise<void> {
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  await app.whenReady();
  const hidden = LoginItem.launchedHidden(process.argv);
  if (hidden) app.dock?.hide();

  const { rendererDir, preloadPath, resourcesDir } = paths();
  let setup: DesktopSetup;
  try {
    setup = await loadDesktopSetup();
  } catch (error) {
    if (error instanceof ConfigError) return fail('Atom Sync configuration error', error.message, 2);
    throw error;
  }

  let opened: Awaited<ReturnType<typeof openLink>>;
  try {
    opened = await openLink(setup);
  } catch (error) {
    return fail('Atom Sync could not start', (error as Error).message, 1);
  }
  if (!opened) return;
  const { link, log } = opened;
  for (const note of setup.notes) log[note.level](note.message, note.fields);
  log.info('desktop shell started', { db_source: setup.dbSource, env_file: setup.envFile, hidden, engine: link.kind });

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
  bridge = installBridge({ link, contents: () => window.contents, log });
  const openRoute = (route: AppRoute) => window.open(route);

  const loginItem = new LoginItem();
  const policy = new NotificationPolicy(Date.now(), { level: link.settings().notifications });
  const notifier = new Notifier({ iconPath, onClick: openRoute, log });
  link.onConflictCreated((conflict) => policy.conflictDetected(conflict));
  // The level is an engine setting: changed from the tray, the settings view or PUT /config.
  link.onEvent((name) => {
    if (name === 'config.changed') policy.setLevel(link.settings().notifications);
  });

  let presenter: TrayPresenter | null = null;
  let tray: TrayController | null = null;
  const commands = trayCommands({
    link,
    policy,
    settings: setup.settings,
    loginItem,
    openRoute,
    openFolder: (folder) => shell.openPath(folder),
    revealFile: (file) => shell.showItemInFolder(file),
    showError: (title, message) => dialog.showErrorBox(title, message),
    quit: () => app.quit(),
    log,
    changed: () => {
      tray?.invalidateMenu();
      presenter?.refresh();
    },
  });

  tray = new TrayController({ resourcesDir, platform: process.platform, onCommand: (command) => void commands.run(command), log });
  const trayView = tray;
  presenter = new TrayPresenter({
    link,
    policy,
    platform: process.platform,
    render: (view) => trayView.render(view),
    notify: (model) => notifier.show(model),
    loginItem: () => loginItem.read(),
    bundleWriting: () => commands.bundleWriting,
  });
  presenter.start();

  powerMonitor.on('suspend', () => log.info('system suspending'));
  powerMonitor.on('resume', () => {
    policy.resumed(Date.now());
    link.notifyResumed();
  });

  const shutdown = createShutdown({
    stop: async () => {
      presenter?.stop();
      bridge?.dispose();
      await link.close();
    },
    exit: () => {
      trayView.destroy();
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
  if (!hidden) openRoute(startRoute(link.settings()));
}
