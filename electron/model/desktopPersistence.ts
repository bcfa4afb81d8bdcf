/**
 * Where the desktop app keeps the engine's saved settings (engine/config/savedSettings.ts): the
 * plain values in userData/settings.json under `engine`, beside the desktop's own fields; the API
 * token only through the OS keyring (safeStorage), encrypted in userData/api-token.enc. Where the
 * keyring is Linux's `basic_text` fallback (a key anyone reading the files can recover) the
 * token is refused rather than kept in a form that only looks safe.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { SavedValues, SettingsPersistence } from '../../engine/config/savedSettings.js';
import { SETTING_FIELDS } from '../../engine/config/settingFields.js';
import { SettingsFile, TOKEN_FILE, writeAtomic, type SecretStorage, type SettingsStore } from './settingsStore.js';

/** The key in settings.json holding the engine's values, by variable name. */
export const ENGINE_SETTINGS_KEY = 'engine';
export const TOKEN_VARIABLE = 'ATOM_SAAS_API_TOKEN';
export const NOTIFICATIONS_VARIABLE = 'ATOM_SYNC_NOTIFICATIONS';

export const NO_KEYRING_MESSAGE =
  'No system keyring is available here, so the token could only be stored in a form anyone who can read your files could recover. ' +
  'Put ATOM_SAAS_API_TOKEN in the environment or in the .env file instead.';

/** Every secret setting; only the token has a home (the keyring), any other one is refused. */
const SECRET_VARIABLES: ReadonlySet<string> = new Set(SETTING_FIELDS.filter((f) => f.type === 'secret').map((f) => f.env));

export class DesktopSettingsPersistence implements SettingsPersistence {
  private readonly file: SettingsFile;
  private readonly tokenFile: string;

  constructor(
    dir: string,
    private readonly secrets: SecretStorage,
    private readonly onWarning: (message: string) => void = () => {},
  ) {
    this.file = new SettingsFile(dir);
    this.tokenFile = path.join(dir, TOKEN_FILE);
  }

  /** Whether the OS can keep a secret for us; on Linux without a keyring Electron falls back to `basic_text`. */
  tokenStorageAvailable(): boolean {
    return this.secrets.isEncryptionAvailable() && this.secrets.backend() !== 'basic_text';
  }

  load(): SavedValues {
    const raw = this.file.read();
    if (this.file.warning) this.onWarning(this.file.warning);
    const values: Record<string, string> = {};
    const stored = raw[ENGINE_SETTINGS_KEY];
    if (typeof stored === 'object' && stored !== null && !Array.isArray(stored)) {
      for (const [name, value] of Object.entries(stored as Record<string, unknown>)) {
        if (typeof value !== 'string') continue;
        // A secret typed into the file by hand is not trusted to be the one the user meant to keep.
        if (SECRET_VARIABLES.has(name)) {
          this.onWarning(`${this.file.path} holds ${name} in plain text; it is ignored (save the token from the app, or use the environment)`);
          continue;
        }
        values[name] = value;
      }
    }
    const token = this.readToken();
    if (token !== null) values[TOKEN_VARIABLE] = token;
    return values;
  }

  /** Replaces what is saved. Throws an Error with a sentence when the token cannot be kept safely. */
  save(values: SavedValues): void {
    const plain: Record<string, string> = {};
    let token: string | null = null;
    for (const [name, value] of Object.entries(values)) {
      if (name === TOKEN_VARIABLE) token = value;
      else if (SECRET_VARIABLES.has(name)) throw new Error(`${name} cannot be saved by the desktop app; set it in the environment or the .env file.`);
      else plain[name] = value;
    }
    // The token first: when it is refused, nothing is written.
    if (token !== null) {
      if (!this.tokenStorageAvailable()) throw new Error(NO_KEYRING_MESSAGE);
      if (this.readToken() !== token) writeAtomic(this.tokenFile, this.secrets.encrypt(token), 0o600);
    } else if (this.readToken() !== null) {
      rmSync(this.tokenFile, { force: true });
    }
    // A token file this keyring cannot read now (a locked wallet, another session) is kept: the
    // user did not ask to forget it, and it may be readable again at the next login.
    const raw = this.file.read();
    this.file.write({ ...raw, [ENGINE_SETTINGS_KEY]: plain });
  }

  /** The stored token, or null when there is none or this keyring cannot read it (another user, a reset keychain). */
  private readToken(): string | null {
    if (!existsSync(this.tokenFile) || !this.secrets.isEncryptionAvailable()) return null;
    try {
      const token = this.secrets.decrypt(readFileSync(this.tokenFile));
      return token.length > 0 ? token : null;
    } catch {
      this.onWarning(`${this.tokenFile} could not be decrypted with this keyring; the saved token is not used`);
      return null;
    }
  }
}

/**
 * Older versions kept the notification level in settings.json's `notificationLevel`; it is the
 * engine's ATOM_SYNC_NOTIFICATIONS now. Moved once: a value saved meanwhile wins, and the old
 * field goes once the move is written. Returns what happened, for the log.
 */
export function migrateNotificationLevel(store: SettingsStore, persistence: SettingsPersistence): string | null {
  const legacy = store.legacyNotificationLevel();
  if (legacy === null) {
    store.dropLegacyNotificationLevel();
    return null;
  }
  try {
    const saved = persistence.load();
    // 'all' is the default: saving it would only make it look chosen.
    const move = saved[NOTIFICATIONS_VARIABLE] === undefined && legacy !== 'all';
    if (move) persistence.save({ ...saved, [NOTIFICATIONS_VARIABLE]: legacy });
    store.dropLegacyNotificationLevel();
    return move ? `notification level "${legacy}" moved to the engine settings` : null;
  } catch (error) {
    return `notification level not moved yet: ${(error as Error).message}`;
  }
}
