/**
 * Where the desktop app keeps its data: the per-user app-data folder, unless ATOM_DB_PATH
 * points the engine at an Atom install's own database (then the marketplace is synced in place).
 */
import path from 'node:path';

export type Env = Record<string, string | undefined>;

export const DEFAULT_DB_FILE = 'atom-sync.db';
export const DEFAULT_LOG_FILE = 'atom-sync.log';

export interface DesktopEnvInput {
  /** The process environment (with .env merged in by readEnv). */
  env: Env;
  userData: string;
  /** The OS logs folder (app.getPath('logs')); defaults to userData/logs. */
  logsDir?: string;
  /** The settings file's override, used when the environment says nothing. */
  settingsDbPath: string | null;
}

export interface DesktopEnv {
  env: Env;
  dbSource: 'env' | 'settings' | 'userData';
}

const set = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/**
 * The environment the engine's settings are read under: the user's own variables always win.
 * Only where the data lives is filled in here; saved settings (the API token among them) come
 * from the settings persistence, so they show as saved, not as set by the environment.
 */
export function desktopEnv(input: DesktopEnvInput): DesktopEnv {
  const env: Env = { ...input.env };
  let dbSource: DesktopEnv['dbSource'] = 'env';
  if (!set(env.ATOM_DB_PATH)) {
    if (input.settingsDbPath && path.isAbsolute(input.settingsDbPath)) {
      env.ATOM_DB_PATH = input.settingsDbPath;
      dbSource = 'settings';
    } else {
      env.ATOM_DB_PATH = path.join(input.userData, DEFAULT_DB_FILE);
      dbSource = 'userData';
    }
  }
  if (!set(env.ATOM_LOG_PATH)) env.ATOM_LOG_PATH = path.join(input.logsDir ?? path.join(input.userData, 'logs'), DEFAULT_LOG_FILE);
  return { env, dbSource };
}

/**
 * The .env file the desktop app reads: ATOM_ENV_FILE if given; the project folder in development;
 * the app-data folder when installed (a packaged app's working directory is `/` or the home).
 */
export function envFileFor(p: { env: Env; isPackaged: boolean; cwd: string; userData: string }): string {
  if (set(p.env.ATOM_ENV_FILE)) return path.resolve(p.cwd, p.env.ATOM_ENV_FILE);
  return path.join(p.isPackaged ? p.userData : p.cwd, '.env');
}
