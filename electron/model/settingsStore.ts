/**
 * Desktop settings (a JSON file in userData) and the Atom SaaS API token (encrypted by the OS
 * keyring through SecretStorage, in its own file). The token is never written in plain text
 * and never handed to the UI: the UI learns only whether one is configured.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
  notificationLevel: NotificationLevel;
  /** What the user last asked for; the tray shows what is really on disk / in the OS. */
  startAtLogin: boolean;
}

export const DEFAULT_SETTINGS: Settings = { dbPath: null, notificationLevel: 'all', startAtLogin: false };
export const SETTINGS_FILE = 'settings.json';
export const TOKEN_FILE = 'api-token.enc';

/** What the UI may see. */
export interface PublicSettings extends Settings {
  token_configured: boolean;
  /** Whether a token can be stored here at all (false on Linux without a keyring). */
  token_storage_available: boolean;
}

export type TokenResult = { ok: true } | { ok: false; reason: string };

export class SettingsError extends Error {}

export class SettingsStore {
  private readonly settingsFile: string;
  private readonly tokenFile: string;
  /** Why the settings file was ignored at load (unreadable JSON), for the log. */
  loadWarning: string | null = null;

  constructor(
    private readonly dir: string,
    private readonly secrets: SecretStorage,
  ) {
    this.settingsFile = path.join(dir, SETTINGS_FILE);
    this.tokenFile = path.join(dir, TOKEN_FILE);
  }

  load(): Settings {
    this.loadWarning = null;
    if (!existsSync(this.settingsFile)) return { ...DEFAULT_SETTINGS };
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.settingsFile, 'utf8'));
    } catch (error) {
      this.loadWarning = `${this.settingsFile} is not valid JSON (${(error as Error).message}); using defaults`;
      return { ...DEFAULT_SETTINGS };
    }
    return sanitize(raw);
  }

  /** Validates and writes a change; throws SettingsError with a sentence for bad input. */
  update(patch: Partial<Settings>): Settings {
    const next = { ...this.load() };
    if (patch.dbPath !== undefined) {
      if (patch.dbPath !== null && (typeof patch.dbPath !== 'string' || !path.isAbsolute(patch.dbPath)))
        throw new SettingsError('The database path must be an absolute path (or empty for the default).');
      next.dbPath = patch.dbPath;
    }
    if (patch.notificationLevel !== undefined) {
      if (!isNotificationLevel(patch.notificationLevel)) throw new SettingsError('Notifications must be all, errors or none.');
      next.notificationLevel = patch.notificationLevel;
    }
    if (patch.startAtLogin !== undefined) {
      if (typeof patch.startAtLogin !== 'boolean') throw new SettingsError('Start at login must be true or false.');
      next.startAtLogin = patch.startAtLogin;
    }
    this.writeAtomic(this.settingsFile, `${JSON.stringify(next, null, 2)}\n`);
    return next;
  }

  /** Whether the OS can keep a secret for us; on Linux without a keyring Electron falls back to `basic_text`. */
  tokenStorageAvailable(): boolean {
    return this.secrets.isEncryptionAvailable() && this.secrets.backend() !== 'basic_text';
  }

  setToken(token: string): TokenResult {
    const value = token.trim();
    if (value.length === 0 || /\s/.test(value)) return { ok: false, reason: 'The token must be one word without spaces.' };
    if (!this.tokenStorageAvailable()) {
      return {
        ok: false,
        reason:
          'No system keyring is available here, so the token could only be stored in a form anyone who can read your files could recover. ' +
          'Put ATOM_SAAS_API_TOKEN in the environment or in the .env file instead.',
      };
    }
    this.writeAtomic(this.tokenFile, this.secrets.encrypt(value), 0o600);
    return { ok: true };
  }

  clearToken(): void {
    rmSync(this.tokenFile, { force: true });
  }

  /** For the main process only (to configure the engine); never send this to a renderer. */
  readToken(): string | null {
    if (!existsSync(this.tokenFile) || !this.secrets.isEncryptionAvailable()) return null;
    try {
      const token = this.secrets.decrypt(readFileSync(this.tokenFile));
      return token.length > 0 ? token : null;
    } catch {
      return null;
    }
  }

  publicView(): PublicSettings {
    return { ...this.load(), token_configured: this.readToken() !== null, token_storage_available: this.tokenStorageAvailable() };
  }

  private writeAtomic(file: string, data: string | Buffer, mode = 0o644): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, data, { mode });
    renameSync(tmp, file);
  }
}

/** Keeps the known, valid fields of a settings file; anything else falls back to the default. */
function sanitize(raw: unknown): Settings {
  const r = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  return {
    dbPath: typeof r.dbPath === 'string' && path.isAbsolute(r.dbPath) ? r.dbPath : null,
    notificationLevel: isNotificationLevel(r.notificationLevel) ? r.notificationLevel : DEFAULT_SETTINGS.notificationLevel,
    startAtLogin: typeof r.startAtLogin === 'boolean' ? r.startAtLogin : DEFAULT_SETTINGS.startAtLogin,
  };
}
