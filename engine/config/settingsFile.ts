/**
 * The daemon's saved settings: one JSON file, readable by its owner only (it may hold the API
 * token, as a `.env` file would). Written atomically, so a crash leaves the old or the new file.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Env } from './parse.js';
import type { SavedValues, SettingsPersistence } from './savedSettings.js';

export const SETTINGS_FILE_NAME = 'atom-sync-settings.json';

/** `ATOM_SYNC_SETTINGS_PATH`, or beside the database (one install, one folder to back up). */
export function settingsFileFor(env: Env, dbPath: string): string {
  const given = env.ATOM_SYNC_SETTINGS_PATH?.trim();
  return given ? path.resolve(given) : path.join(path.dirname(dbPath), SETTINGS_FILE_NAME);
}

export function jsonSettingsFile(file: string, onWarning: (message: string) => void = () => {}): SettingsPersistence {
  return {
    load(): SavedValues {
      if (!existsSync(file)) return {};
      try {
        const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
        if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not a JSON object');
        return Object.fromEntries(Object.entries(raw).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
      } catch (error) {
        onWarning(`${file} is not a valid settings file (${(error as Error).message}); ignoring it`);
        return {};
      }
    },
    save(values: SavedValues): void {
      mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(values, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, file);
    },
  };
}
