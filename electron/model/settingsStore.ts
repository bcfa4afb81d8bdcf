/**
 * The desktop's own settings (a JSON file in userData: where the database lives, start at login).
 * The engine's saved settings share that file (see desktopPersistence.ts), so each writer keeps
 * the other's part. Nothing secret is written here: the API token has its own encrypted file.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isNotificationLevel, type NotificationLevel } from './notificationPolicy.js';

/** Electron's safeStorage, as far as we use it (the adapter wraps the real one). */
export interface SecretStorage {
  isEncryptionAvailable(): boolean;
  /** Linux: `basic_text`, `gnome_libsecret`, `kwallet5`, …; macOS/Windows: the platform store. */
  backend(): string;
  encrypt(plain: string): Buffer;
  decrypt(encrypted: Buffer): string;
}

export interface Settings {
  /** Overrides where the marketplace database lives (ATOM_DB_PATH in the environment still wins). */
  dbPath: string | null;
  /** What the user last asked for; the tray shows what is really on disk / in the OS. */
  startAtLogin: boolean;
}

export const DEFAULT_SETTINGS: Settings = { dbPath: null, startAtLogin: false };
export const SETTINGS_FILE = 'settings.json';
export const TOKEN_FILE = 'api-token.enc';
/** Older versions kept the notification level here; it is an engine setting now (ATOM_SYNC_NOTIFICATIONS). */
const LEGACY_NOTIFICATION_LEVEL = 'notificationLevel';

export class SettingsError extends Error {}

/** Writes a file whole or not at all: a crash leaves the old file or the new one. */
export function writeAtomic(file: string, data: string | Buffer, mode: number): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, file);
}

/** settings.json as one JSON object; every part of the app that writes it keeps the keys it does not own. */
export class SettingsFile {
  readonly path: string;
  /** Why the file was ignored at the last read (unreadable JSON), for the log. */
  warning: string | null = null;

  constructor(dir: string) {
    this.path = path.join(dir, SETTINGS_FILE);
  }

  read(): Record<string, unknown> {
    this.warning = null;
    if (!existsSync(this.path)) return {};
    try {
      const raw: unknown = JSON.parse(readFileSync(this.path, 'utf8'));
      if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) return raw as Record<string, unknown>;
      this.warning = `${this.path} does not hold a JSON object; using defaults`;
    } catch (error) {
      this.warning = `${this.path} is not valid JSON (${(error as Error).message}); using defaults`;
    }
    return {};
  }

  write(raw: Record<string, unknown>): void {
    // Owner only: the file names the Atom SaaS endpoint and the local database.
    writeAtomic(this.path, `${JSON.stringify(raw, null, 2)}\n`, 0o600);
  }
}

export class SettingsStore {
  private readonly file: SettingsFile;
  /** Why the settings file was ignored at load (unreadable JSON), for the log. */
  loadWarning: string | null = null;

  constructor(dir: string) {
    this.file = new SettingsFile(dir);
  }

  load(): Settings {
    const raw = this.file.read();
    this.loadWarning = this.file.warning;
    return sanitize(raw);
  }

  /** Validates and writes a change; throws SettingsError with a sentence for bad input. */
  update(patch: Partial<Settings>): Settings {
    const raw = this.file.read();
    const next = sanitize(raw);
    if (patch.dbPath !== undefined) {
      if (patch.dbPath !== null && (typeof patch.dbPath !== 'string' || !path.isAbsolute(patch.dbPath)))
        throw new SettingsError('The database path must be an absolute path (or empty for the default).');
      next.dbPath = patch.dbPath;
    }
    if (patch.startAtLogin !== undefined) {
      if (typeof patch.startAtLogin !== 'boolean') throw new SettingsError('Start at login must be true or false.');
      next.startAtLogin = patch.startAtLogin;
    }
    this.file.write({ ...raw, ...next });
    return next;
  }

  /** The notification level an older version kept in this file, or null. */
  legacyNotificationLevel(): NotificationLevel | null {
    const value = this.file.read()[LEGACY_NOTIFICATION_LEVEL];
    return isNotificationLevel(value) ? value : null;
  }

  /** Forgets the old field once its value lives in the engine's settings. */
  dropLegacyNotificationLevel(): void {
    const raw = this.file.read();
    if (!(LEGACY_NOTIFICATION_LEVEL in raw)) return;
    delete raw[LEGACY_NOTIFICATION_LEVEL];
    this.file.write(raw);
  }
}

/** Keeps the known, valid fields of a settings file; anything else falls back to the default. */
function sanitize(raw: Record<string, unknown>): Settings {
  return {
    dbPath: typeof raw.dbPath === 'string' && path.isAbsolute(raw.dbPath) ? raw.dbPath : null,
    startAtLogin: typeof raw.startAtLogin === 'boolean' ? raw.startAtLogin : DEFAULT_SETTINGS.startAtLogin,
  };
}
