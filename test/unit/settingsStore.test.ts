import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config/index.js';
import { desktopEnv, envFileFor } from '../../electron/model/dbLocation.js';
import { SETTINGS_FILE, SettingsError, SettingsStore, TOKEN_FILE, type SecretStorage } from '../../electron/model/settingsStore.js';

/**
 * An in-memory keyring with real encryption (AES-256-GCM under a key held in memory), standing in
 * for Electron's safeStorage: what lands on disk is genuinely unreadable without it.
 */
function keyring(backend = 'gnome_libsecret', available = true): SecretStorage & { key: Buffer } {
  const key = randomBytes(32);
  return {
    key,
    isEncryptionAvailable: () => available,
    backend: () => backend,
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decrypt(data) {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(12, 28));
      return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

const TOKEN = 'atom_live_9f8e7d6c5b4a';
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atom-settings-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every byte the store wrote, as text, to look for the token in it. */
function everythingOnDisk(): string {
  return readdirSync(dir)
    .map((f) => readFileSync(path.join(dir, f)).toString('latin1'))
    .join('\n');
}

describe('settings file', () => {
  it('starts from defaults and keeps what is changed', () => {
    const store = new SettingsStore(dir, keyring());
    expect(store.load()).toEqual({ dbPath: null, notificationLevel: 'all', startAtLogin: false });
    store.update({ notificationLevel: 'errors', startAtLogin: true, dbPath: '/srv/atom/atom.db' });
    expect(new SettingsStore(dir, keyring()).load()).toEqual({ dbPath: '/srv/atom/atom.db', notificationLevel: 'errors', startAtLogin: true });
  });

  it('refuses bad values with a sentence, and writes nothing', () => {
    const store = new SettingsStore(dir, keyring());
    expect(() => store.update({ notificationLevel: 'loud' as never })).toThrow(SettingsError);
    expect(() => store.update({ dbPath: 'relative/atom.db' })).toThrow('absolute path');
    expect(() => store.update({ startAtLogin: 'yes' as never })).toThrow(SettingsError);
    expect(existsSync(path.join(dir, SETTINGS_FILE))).toBe(false);
  });

  it('survives a corrupt or hand-edited file', () => {
    writeFileSync(path.join(dir, SETTINGS_FILE), '{ not json');
    const store = new SettingsStore(dir, keyring());
    expect(store.load()).toEqual({ dbPath: null, notificationLevel: 'all', startAtLogin: false });
    expect(store.loadWarning).toContain('not valid JSON');
    writeFileSync(path.join(dir, SETTINGS_FILE), JSON.stringify({ notificationLevel: 'none', dbPath: 42, extra: 'x' }));
    expect(store.load()).toEqual({ dbPath: null, notificationLevel: 'none', startAtLogin: false });
  });
});

describe('API token', () => {
  it('is stored encrypted by the keyring, never in plain text, and readable by the main process', () => {
    const secrets = keyring();
    const store = new SettingsStore(dir, secrets);
    store.update({ notificationLevel: 'errors' });
    expect(store.setToken(TOKEN)).toEqual({ ok: true });
    expect(everythingOnDisk()).not.toContain(TOKEN);
    expect(readFileSync(path.join(dir, SETTINGS_FILE), 'utf8')).not.toMatch(/token/i);
    expect(statSync(path.join(dir, TOKEN_FILE)).mode & 0o777).toBe(0o600);
    expect(new SettingsStore(dir, secrets).readToken()).toBe(TOKEN);
    // a different keyring (another user, a reset keychain) cannot read it
    expect(new SettingsStore(dir, keyring()).readToken()).toBeNull();
  });

  it('is refused on Linux without a keyring (basic_text), pointing at the environment instead', () => {
    const store = new SettingsStore(dir, keyring('basic_text'));
    const result = store.setToken(TOKEN);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain('ATOM_SAAS_API_TOKEN in the environment or in the .env file');
    expect(existsSync(path.join(dir, TOKEN_FILE))).toBe(false);
    expect(everythingOnDisk()).not.toContain(TOKEN);
    expect(store.publicView().token_storage_available).toBe(false);
  });

  it('is refused when encryption is unavailable at all', () => {
    const store = new SettingsStore(dir, keyring('keychain', false));
    expect(store.setToken(TOKEN).ok).toBe(false);
    expect(existsSync(path.join(dir, TOKEN_FILE))).toBe(false);
  });

  it('rejects an empty or multi-word token', () => {
    const store = new SettingsStore(dir, keyring());
    expect(store.setToken('   ').ok).toBe(false);
    expect(store.setToken('two words').ok).toBe(false);
  });

  it('is never in what the UI sees: only whether one is configured', () => {
    const store = new SettingsStore(dir, keyring());
    expect(store.publicView()).toMatchObject({ token_configured: false, token_storage_available: true });
    store.setToken(TOKEN);
    const view = store.publicView();
    expect(view.token_configured).toBe(true);
    expect(JSON.stringify(view)).not.toContain(TOKEN);
    store.clearToken();
    expect(store.publicView().token_configured).toBe(false);
  });
});

describe('data location and the engine environment', () => {
  const userData = '/home/u/.config/Atom Sync';

  it('keeps data in userData by default', () => {
    const { env, dbSource } = desktopEnv({ env: {}, userData, logsDir: `${userData}/logs`, settingsDbPath: null, storedToken: null });
    expect(dbSource).toBe('userData');
    expect(env.ATOM_DB_PATH).toBe(path.join(userData, 'atom-sync.db'));
    expect(env.ATOM_LOG_PATH).toBe(path.join(userData, 'logs', 'atom-sync.log'));
  });

  it('uses ATOM_DB_PATH when it points at an Atom install, over the settings override', () => {
    const { env, dbSource } = desktopEnv({ env: { ATOM_DB_PATH: '/opt/atom/data/atom.db' }, userData, settingsDbPath: '/srv/x.db', storedToken: null });
    expect(dbSource).toBe('env');
    expect(env.ATOM_DB_PATH).toBe('/opt/atom/data/atom.db');
    expect(desktopEnv({ env: {}, userData, settingsDbPath: '/srv/x.db', storedToken: null })).toMatchObject({
      dbSource: 'settings',
      env: { ATOM_DB_PATH: '/srv/x.db' },
    });
  });

  it('gives the stored token to the engine only when the environment has none', () => {
    expect(desktopEnv({ env: {}, userData, settingsDbPath: null, storedToken: TOKEN }).env.ATOM_SAAS_API_TOKEN).toBe(TOKEN);
    expect(desktopEnv({ env: { ATOM_SAAS_API_TOKEN: 'from-env' }, userData, settingsDbPath: null, storedToken: TOKEN }).env.ATOM_SAAS_API_TOKEN).toBe(
      'from-env',
    );
  });

  it('produces an environment the engine config accepts', () => {
    const { env } = desktopEnv({ env: { ATOM_SAAS_API_URL: 'https://atom.example/api/v1/marketplace' }, userData, settingsDbPath: null, storedToken: TOKEN });
    const config = loadConfig(env, userData);
    expect(config.dbPath).toBe(path.join(userData, 'atom-sync.db'));
    expect(config.apiToken).toBe(TOKEN);
  });

  it('reads .env from the project in development and from userData when installed', () => {
    expect(envFileFor({ env: {}, isPackaged: false, cwd: '/work/proj', userData })).toBe('/work/proj/.env');
    expect(envFileFor({ env: {}, isPackaged: true, cwd: '/', userData })).toBe(path.join(userData, '.env'));
    expect(envFileFor({ env: { ATOM_ENV_FILE: 'conf/atom.env' }, isPackaged: true, cwd: userData, userData })).toBe(path.join(userData, 'conf/atom.env'));
  });
});
