import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config/index.js';
import { loadSettings, type SettingsSource } from '../../engine/config/savedSettings.js';
import { describeSettings, planUpdate } from '../../engine/config/settingsUpdate.js';
import { desktopEnv, envFileFor } from '../../electron/model/dbLocation.js';
import { DesktopSettingsPersistence, migrateNotificationLevel, NO_KEYRING_MESSAGE } from '../../electron/model/desktopPersistence.js';
import { SETTINGS_FILE, SettingsError, SettingsStore, TOKEN_FILE, type SecretStorage } from '../../electron/model/settingsStore.js';
import { keyring } from '../support/keyring.js';


const TOKEN = 'atom_live_9f8e7d6c5b4a';
const API_URL = 'https://atom.example/api/v1/marketplace';
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atom-settings-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every byte written, as text, to look for the token in it. */
function everythingOnDisk(): string {
  return readdirSync(dir)
    .map((f) => readFileSync(path.join(dir, f)).toString('latin1'))
    .join('\n');
}
const settingsJson = () => JSON.parse(readFileSync(path.join(dir, SETTINGS_FILE), 'utf8')) as Record<string, unknown>;

/** The engine's settings source as the desktop builds it (environment + this persistence). */
function sourceWith(persistence: DesktopSettingsPersistence, env: Record<string, string> = {}): SettingsSource {
  return { env: { ATOM_DB_PATH: path.join(dir, 'atom.db'), ATOM_LOG_PATH: path.join(dir, 'logs/atom.log'), ...env }, cwd: dir, persistence };
}

describe('desktop settings file', () => {
  it('starts from defaults and keeps what is changed', () => {
    const store = new SettingsStore(dir);
    expect(store.load()).toEqual({ dbPath: null, startAtLogin: false });
    store.update({ startAtLogin: true, dbPath: '/srv/atom/atom.db' });
    expect(new SettingsStore(dir).load()).toEqual({ dbPath: '/srv/atom/atom.db', startAtLogin: true });
    expect(statSync(path.join(dir, SETTINGS_FILE)).mode & 0o777).toBe(0o600);
  });

  it('refuses bad values with a sentence, and writes nothing', () => {
    const store = new SettingsStore(dir);
    expect(() => store.update({ dbPath: 'relative/atom.db' })).toThrow('absolute path');
    expect(() => store.update({ startAtLogin: 'yes' as never })).toThrow(SettingsError);
    expect(existsSync(path.join(dir, SETTINGS_FILE))).toBe(false);
  });

  it('survives a corrupt or hand-edited file', () => {
    writeFileSync(path.join(dir, SETTINGS_FILE), '{ not json');
    const store = new SettingsStore(dir);
    expect(store.load()).toEqual({ dbPath: null, startAtLogin: false });
    expect(store.loadWarning).toContain('not valid JSON');
    writeFileSync(path.join(dir, SETTINGS_FILE), JSON.stringify({ startAtLogin: true, dbPath: 42, extra: 'x' }));
    expect(store.load()).toEqual({ dbPath: null, startAtLogin: true });
    writeFileSync(path.join(dir, SETTINGS_FILE), '[1, 2]');
    expect(store.load()).toEqual({ dbPath: null, startAtLogin: false });
    expect(store.loadWarning).toContain('JSON object');
  });

  it('shares the file with the engine settings: each writer keeps the other part', () => {
    const store = new SettingsStore(dir);
    const persistence = new DesktopSettingsPersistence(dir, keyring());
    store.update({ startAtLogin: true });
    persistence.save({ ATOM_SAAS_API_URL: API_URL });
    store.update({ dbPath: '/srv/atom.db' });
    expect(settingsJson()).toEqual({ dbPath: '/srv/atom.db', startAtLogin: true, engine: { ATOM_SAAS_API_URL: API_URL } });
    persistence.save({ ATOM_SAAS_SYNC_INTERVAL_MINUTES: '15' });
    expect(settingsJson()).toEqual({ dbPath: '/srv/atom.db', startAtLogin: true, engine: { ATOM_SAAS_SYNC_INTERVAL_MINUTES: '15' } });
  });
});

describe('engine settings saved by the desktop', () => {
  it('keeps plain values in settings.json under "engine", read back as saved', () => {
    const persistence = new DesktopSettingsPersistence(dir, keyring());
    expect(persistence.load()).toEqual({});
    persistence.save({ ATOM_SAAS_API_URL: API_URL, ATOM_SYNC_NOTIFICATIONS: 'errors' });
    expect(new DesktopSettingsPersistence(dir, keyring()).load()).toEqual({ ATOM_SAAS_API_URL: API_URL, ATOM_SYNC_NOTIFICATIONS: 'errors' });
    expect(existsSync(path.join(dir, TOKEN_FILE))).toBe(false);
  });

  it('keeps the token only through the keyring: encrypted, owner-only, never in settings.json', () => {
    const secrets = keyring();
    const persistence = new DesktopSettingsPersistence(dir, secrets);
    persistence.save({ ATOM_SAAS_API_URL: API_URL, ATOM_SAAS_API_TOKEN: TOKEN });
    expect(everythingOnDisk()).not.toContain(TOKEN);
    expect(readFileSync(path.join(dir, SETTINGS_FILE), 'utf8')).not.toMatch(/token/i);
    expect(statSync(path.join(dir, TOKEN_FILE)).mode & 0o777).toBe(0o600);
    expect(new DesktopSettingsPersistence(dir, secrets).load()).toEqual({ ATOM_SAAS_API_URL: API_URL, ATOM_SAAS_API_TOKEN: TOKEN });
    // a different keyring (another user, a reset keychain) cannot read it, and says so
    const warnings: string[] = [];
    expect(new DesktopSettingsPersistence(dir, keyring(), (w) => warnings.push(w)).load()).toEqual({ ATOM_SAAS_API_URL: API_URL });
    expect(warnings.join('\n')).toContain('could not be decrypted');
  });

  it('forgets the token when a save no longer holds it', () => {
    const secrets = keyring();
    const persistence = new DesktopSettingsPersistence(dir, secrets);
    persistence.save({ ATOM_SAAS_API_TOKEN: TOKEN });
    expect(existsSync(path.join(dir, TOKEN_FILE))).toBe(true);
    persistence.save({ ATOM_SAAS_API_URL: API_URL });
    expect(existsSync(path.join(dir, TOKEN_FILE))).toBe(false);
    expect(persistence.load()).toEqual({ ATOM_SAAS_API_URL: API_URL });
  });

  it('keeps a token file this keyring cannot read when other settings are saved', () => {
    const secrets = keyring();
    new DesktopSettingsPersistence(dir, secrets).save({ ATOM_SAAS_API_TOKEN: TOKEN });
    // a session whose wallet is locked: the token is unreadable here, the user changes the interval
    const locked = new DesktopSettingsPersistence(dir, keyring('kwallet5', false));
    expect(locked.load()).toEqual({});
    locked.save({ ATOM_SAAS_SYNC_INTERVAL_MINUTES: '10' });
    expect(new DesktopSettingsPersistence(dir, secrets).load()).toEqual({ ATOM_SAAS_SYNC_INTERVAL_MINUTES: '10', ATOM_SAAS_API_TOKEN: TOKEN });
  });

  it('leaves the token file alone when the token did not change', () => {
    const secrets = keyring();
    const persistence = new DesktopSettingsPersistence(dir, secrets);
    persistence.save({ ATOM_SAAS_API_TOKEN: TOKEN });
    const before = readFileSync(path.join(dir, TOKEN_FILE));
    persistence.save({ ATOM_SAAS_API_TOKEN: TOKEN, ATOM_SAAS_API_URL: API_URL });
    // AES-GCM with a fresh IV: a rewrite would change every byte
    expect(readFileSync(path.join(dir, TOKEN_FILE)).equals(before)).toBe(true);
  });

  it('refuses the token on Linux without a keyring (basic_text), writing nothing, with the sentence that points at the environment', () => {
    const persistence = new DesktopSettingsPersistence(dir, keyring('basic_text'));
    expect(() => persistence.save({ ATOM_SAAS_API_URL: API_URL, ATOM_SAAS_API_TOKEN: TOKEN })).toThrow(new Error(NO_KEYRING_MESSAGE));
    expect(NO_KEYRING_MESSAGE).toContain('ATOM_SAAS_API_TOKEN in the environment or in the .env file');
    expect(existsSync(path.join(dir, TOKEN_FILE))).toBe(false);
    expect(existsSync(path.join(dir, SETTINGS_FILE))).toBe(false);
    expect(persistence.tokenStorageAvailable()).toBe(false);
    // plain values are still kept
    persistence.save({ ATOM_SAAS_API_URL: API_URL });
    expect(persistence.load()).toEqual({ ATOM_SAAS_API_URL: API_URL });
  });

  it('refuses the token when encryption is unavailable at all', () => {
    const persistence = new DesktopSettingsPersistence(dir, keyring('keychain', false));
    expect(() => persistence.save({ ATOM_SAAS_API_TOKEN: TOKEN })).toThrow(NO_KEYRING_MESSAGE);
    expect(existsSync(path.join(dir, TOKEN_FILE))).toBe(false);
  });

  it('ignores a token typed into settings.json in plain text, and says so', () => {
    writeFileSync(path.join(dir, SETTINGS_FILE), JSON.stringify({ engine: { ATOM_SAAS_API_TOKEN: TOKEN, ATOM_SAAS_API_URL: API_URL, ATOM_SAAS_SYNC_BATCH_SIZE: 50 } }));
    const warnings: string[] = [];
    expect(new DesktopSettingsPersistence(dir, keyring(), (w) => warnings.push(w)).load()).toEqual({ ATOM_SAAS_API_URL: API_URL });
    expect(warnings.join('\n')).toContain('ATOM_SAAS_API_TOKEN in plain text');
  });

  it('serves the engine: a token saved through PUT /config is used, and shows as saved, not as the environment', () => {
    const persistence = new DesktopSettingsPersistence(dir, keyring());
    const source = sourceWith(persistence, { ATOM_SAAS_API_URL: API_URL });
    const before = loadSettings(source);
    expect(before.apiToken).toBeNull();
    const plan = planUpdate(source, before, { api_token: TOKEN, sync_interval_minutes: 20 });
    persistence.save(plan.saved);
    const after = loadSettings(source);
    expect(after).toMatchObject({ apiToken: TOKEN, syncIntervalMinutes: 20, apiUrl: API_URL });
    const fields = describeSettings(source, after).fields;
    expect(fields.find((f) => f.name === 'api_token')).toMatchObject({ source: 'saved', configured: true, value: null, editable: true });
    expect(fields.find((f) => f.name === 'api_url')).toMatchObject({ source: 'environment', editable: false });
    expect(everythingOnDisk()).not.toContain(TOKEN);
  });
});

describe('the notification level of older versions', () => {
  it('moves once from settings.json into the engine settings, then the old field is gone', () => {
    writeFileSync(path.join(dir, SETTINGS_FILE), JSON.stringify({ notificationLevel: 'errors', startAtLogin: true }));
    const store = new SettingsStore(dir);
    const persistence = new DesktopSettingsPersistence(dir, keyring());
    expect(migrateNotificationLevel(store, persistence)).toContain('moved');
    expect(persistence.load()).toEqual({ ATOM_SYNC_NOTIFICATIONS: 'errors' });
    expect(settingsJson()).toEqual({ startAtLogin: true, engine: { ATOM_SYNC_NOTIFICATIONS: 'errors' } });
    expect(loadSettings(sourceWith(persistence)).notifications).toBe('errors');
    // a later change is not overwritten by the old value
    persistence.save({ ATOM_SYNC_NOTIFICATIONS: 'none' });
    expect(migrateNotificationLevel(store, persistence)).toBeNull();
    expect(persistence.load()).toEqual({ ATOM_SYNC_NOTIFICATIONS: 'none' });
  });

  it('does not override a value saved meanwhile, and does not save the default', () => {
    writeFileSync(path.join(dir, SETTINGS_FILE), JSON.stringify({ notificationLevel: 'errors', engine: { ATOM_SYNC_NOTIFICATIONS: 'none' } }));
    const store = new SettingsStore(dir);
    const persistence = new DesktopSettingsPersistence(dir, keyring());
    expect(migrateNotificationLevel(store, persistence)).toBeNull();
    expect(settingsJson()).toEqual({ engine: { ATOM_SYNC_NOTIFICATIONS: 'none' } });
    writeFileSync(path.join(dir, SETTINGS_FILE), JSON.stringify({ notificationLevel: 'all' }));
    expect(migrateNotificationLevel(store, persistence)).toBeNull();
    expect(settingsJson()).toEqual({});
    expect(persistence.load()).toEqual({});
  });

  it('keeps the old field when the move cannot be written (it is tried again next start)', () => {
    const secrets = keyring();
    new DesktopSettingsPersistence(dir, secrets).save({ ATOM_SAAS_API_TOKEN: TOKEN });
    writeFileSync(path.join(dir, SETTINGS_FILE), JSON.stringify({ notificationLevel: 'none' }));
    // the token is readable but the keyring now refuses new secrets: a save that keeps the token must not lose it
    const locked: SecretStorage = { ...secrets, backend: () => 'basic_text' };
    const result = migrateNotificationLevel(new SettingsStore(dir), new DesktopSettingsPersistence(dir, locked));
    expect(result).toContain('not moved yet');
    expect(settingsJson()).toEqual({ notificationLevel: 'none' });
    expect(new DesktopSettingsPersistence(dir, secrets).load()).toEqual({ ATOM_SAAS_API_TOKEN: TOKEN });
  });
});

describe('data location and the engine environment', () => {
  const userData = '/home/u/.config/Atom Sync';

  it('keeps data in userData by default', () => {
    const { env, dbSource } = desktopEnv({ env: {}, userData, logsDir: `${userData}/logs`, settingsDbPath: null });
    expect(dbSource).toBe('userData');
    expect(env.ATOM_DB_PATH).toBe(path.join(userData, 'atom-sync.db'));
    expect(env.ATOM_LOG_PATH).toBe(path.join(userData, 'logs', 'atom-sync.log'));
  });

  it('uses ATOM_DB_PATH when it points at an Atom install, over the settings override', () => {
    const { env, dbSource } = desktopEnv({ env: { ATOM_DB_PATH: '/opt/atom/data/atom.db' }, userData, settingsDbPath: '/srv/x.db' });
    expect(dbSource).toBe('env');
    expect(env.ATOM_DB_PATH).toBe('/opt/atom/data/atom.db');
    expect(desktopEnv({ env: {}, userData, settingsDbPath: '/srv/x.db' })).toMatchObject({
      dbSource: 'settings',
      env: { ATOM_DB_PATH: '/srv/x.db' },
    });
  });

  it('puts no token into the environment: a saved one comes from the persistence', () => {
    const { env } = desktopEnv({ env: { ATOM_SAAS_API_URL: API_URL }, userData, settingsDbPath: null });
    expect(env.ATOM_SAAS_API_TOKEN).toBeUndefined();
    expect(desktopEnv({ env: { ATOM_SAAS_API_TOKEN: 'from-env' }, userData, settingsDbPath: null }).env.ATOM_SAAS_API_TOKEN).toBe('from-env');
  });

  it('produces an environment the engine config accepts', () => {
    const { env } = desktopEnv({ env: { ATOM_SAAS_API_URL: API_URL }, userData, settingsDbPath: null });
    const config = loadConfig(env, userData);
    expect(config.dbPath).toBe(path.join(userData, 'atom-sync.db'));
    expect(config.apiToken).toBeNull();
  });

  it('reads .env from the project in development and from userData when installed', () => {
    expect(envFileFor({ env: {}, isPackaged: false, cwd: '/work/proj', userData })).toBe('/work/proj/.env');
    expect(envFileFor({ env: {}, isPackaged: true, cwd: '/', userData })).toBe(path.join(userData, '.env'));
    expect(envFileFor({ env: { ATOM_ENV_FILE: 'conf/atom.env' }, isPackaged: true, cwd: userData, userData })).toBe(path.join(userData, 'conf/atom.env'));
  });
});
