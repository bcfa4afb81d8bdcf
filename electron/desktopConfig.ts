/**
 * The engine's configuration as the desktop app builds it: the environment and .env, where the
 * data lives (model/dbLocation.ts), the settings saved from the app (model/desktopPersistence.ts)
 * and, when the environment names no proxy, the system's proxy for the Atom SaaS URL.
 */
import { app, session } from 'electron';
import { readEnv, type Config } from '../engine/config/index.js';
import { loadSettings, type SettingsSource } from '../engine/config/savedSettings.js';
import { desktopEnv, envFileFor } from './model/dbLocation.js';
import { DesktopSettingsPersistence, migrateNotificationLevel } from './model/desktopPersistence.js';
import { SettingsStore } from './model/settingsStore.js';
import { envSetsProxy, systemProxyEnv } from './model/systemProxy.js';
import { electronSecretStorage } from './secretStorage.js';

/** A PAC script that does not answer in this time is treated as "direct" rather than holding the start. */
const RESOLVE_PROXY_MS = 5_000;

export interface DesktopSetup {
  source: SettingsSource;
  config: Config;
  settings: SettingsStore;
  dbSource: 'env' | 'settings' | 'userData';
  envFile: string;
  /** Lines for the log once it exists (unreadable files, the migration, the proxy decision). */
  notes: Array<{ level: 'info' | 'warn'; message: string; fields?: Record<string, unknown> }>;
}

async function resolveSystemProxy(url: string): Promise<string | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), RESOLVE_PROXY_MS);
  });
  try {
    return await Promise.race([session.defaultSession.resolveProxy(url), timeout]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** Throws ConfigError (one line for the user) when a value is invalid. Call after app ready. */
export async function loadDesktopSetup(): Promise<DesktopSetup> {
  const notes: DesktopSetup['notes'] = [];
  const userData = app.getPath('userData');
  // Installed, the working directory is `/` or the home: relative paths and .env live in userData.
  const cwd = app.isPackaged ? userData : process.cwd();
  const envFile = envFileFor({ env: process.env, isPackaged: app.isPackaged, cwd, userData });
  const merged = readEnv({ ...process.env, ATOM_ENV_FILE: envFile }, cwd);

  const settings = new SettingsStore(userData);
  const stored = settings.load();
  if (settings.loadWarning) notes.push({ level: 'warn', message: settings.loadWarning });
  const persistence = new DesktopSettingsPersistence(userData, electronSecretStorage(), (message) => notes.push({ level: 'warn', message }));
  const migrated = migrateNotificationLevel(settings, persistence);
  if (migrated) notes.push({ level: 'info', message: migrated });

  const { env, dbSource } = desktopEnv({ env: merged, userData, logsDir: app.getPath('logs'), settingsDbPath: stored.dbPath });
  let config = loadSettings({ env, cwd, persistence });
  if (!envSetsProxy(env) && config.apiUrl !== null) {
    const plan = systemProxyEnv(env, config.apiUrl, await resolveSystemProxy(config.apiUrl));
    notes.push({ level: plan.skipped.length > 0 ? 'warn' : 'info', message: 'system proxy', fields: { decision: plan.note, skipped: plan.skipped.join('; ') || undefined } });
    if (Object.keys(plan.env).length > 0) {
      Object.assign(env, plan.env);
      config = loadSettings({ env, cwd, persistence });
    }
  }
  return { source: { env, cwd, persistence }, config, settings, dbSource, envFile, notes };
}
