/**
 * Settings changed from the UI or `PUT /api/admin/sync/config` are saved as environment-style
 * values (`ATOM_SAAS_API_URL`, `ATOM_SAAS_API_TOKEN`, …) and read back under the environment:
 * a variable that is set always wins, and the same parser validates both.
 */
import { loadConfig, type Config } from './config.js';
import type { Env } from './parse.js';

export type SavedValues = Readonly<Record<string, string>>;

/** Where saved settings live: a file beside the database (daemon), the user-data folder and the OS keychain (desktop). */
export interface SettingsPersistence {
  /** Saved values keyed by variable name; {} when nothing was saved or the file is unreadable. */
  load(): SavedValues;
  /** Replaces what is saved. Throws an Error whose message is a sentence when a value cannot be kept (no keychain for a token). */
  save(values: SavedValues): void;
}

/** What the engine needs to rebuild its configuration after a change. */
export interface SettingsSource {
  /** The environment (and `.env` file) as the process got it. */
  env: Env;
  cwd: string;
  persistence: SettingsPersistence;
}

/** Variables the environment really sets (a blank value counts as unset, as in the parser). */
export function setInEnv(env: Env, name: string): boolean {
  const value = env[name];
  return value !== undefined && value.trim() !== '';
}

/** Saved values under the environment. */
export function effectiveEnv(env: Env, saved: SavedValues): Env {
  const out: Record<string, string | undefined> = { ...saved };
  for (const [name, value] of Object.entries(env)) if (setInEnv(env, name)) out[name] = value;
  return out;
}

export function loadSettings(source: SettingsSource): Config {
  return loadConfig(effectiveEnv(source.env, source.persistence.load()), source.cwd);
}
