import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, publicConfig, readEnv } from '../../engine/config/index.js';
import { tempDir } from '../support/tempDir.js';

describe('configuration', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('uses the documented defaults and demo mode when no remote is configured', () => {
    const config = loadConfig({}, '/srv/atom');
    expect(config).toMatchObject({
      apiUrl: null,
      syncIntervalMinutes: 30,
      syncBatchSize: 100,
      ratingSyncIntervalMinutes: 30,
      ratingBatchSize: 100,
      ratingMaxAttempts: 5,
      wsBackoffMaxSeconds: 30,
      wsEnabled: true,
      syncEnabled: true,
      fullSyncIntervalMinutes: 1440,
      conflictStrategy: 'manual',
      conflictAutoCritical: false,
      host: '127.0.0.1',
      port: 8000,
      dbPath: '/srv/atom/atom_dev.db',
      logPath: '/srv/atom/logs/atom.log',
    });
  });

  it.each([
    ['ATOM_SAAS_SYNC_BATCH_SIZE', 'abc', /ATOM_SAAS_SYNC_BATCH_SIZE=abc .*whole number from 1 to 1000/],
    ['ATOM_SAAS_SYNC_BATCH_SIZE', '0', /ATOM_SAAS_SYNC_BATCH_SIZE=0/],
    ['ATOM_SAAS_SYNC_INTERVAL_MINUTES', '1.5', /ATOM_SAAS_SYNC_INTERVAL_MINUTES/],
    ['ATOM_SAAS_WS_ENABLED', 'maybe', /ATOM_SAAS_WS_ENABLED=maybe .*true or false/],
    ['ATOM_SAAS_CONFLICT_STRATEGY', 'coin_flip', /one of manual, local_wins, remote_wins, merge/],
    ['ATOM_SAAS_API_URL', 'not a url', /ATOM_SAAS_API_URL/],
    ['ATOM_SAAS_WS_URL', 'http://example.test/ws', /ws or wss/],
    ['ATOM_SYNC_PORT', '70000', /ATOM_SYNC_PORT/],
  ])('rejects %s=%s with a one-line message naming it', (name, value, pattern) => {
    let caught: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe(name);
    expect((caught as Error).message).toMatch(pattern);
    expect((caught as Error).message).not.toContain('\n');
  });

  it('refuses to expose the admin API beyond loopback without a token', () => {
    expect(() => loadConfig({ ATOM_SYNC_HOST: '0.0.0.0' })).toThrow(/ATOM_SYNC_ADMIN_TOKEN/);
    expect(loadConfig({ ATOM_SYNC_HOST: '0.0.0.0', ATOM_SYNC_ADMIN_TOKEN: 'secret-admin' }).host).toBe('0.0.0.0');
  });

  it('accepts ATOM_SAAS_URL as the WebSocket alias and derives the instance id from the token', () => {
    const config = loadConfig({
      ATOM_SAAS_API_URL: 'https://saas.example.test/api/v1/marketplace/',
      ATOM_SAAS_URL: 'wss://saas.example.test/ws',
      ATOM_SAAS_API_TOKEN: 'tok-123456',
    });
    expect(config.apiUrl).toBe('https://saas.example.test/api/v1/marketplace');
    expect(config.wsUrl).toBe('wss://saas.example.test/ws');
    expect(config.instanceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('reads .env under the environment, which wins', () => {
    const file = tmp.file('.env');
    writeFileSync(file, 'ATOM_SAAS_SYNC_INTERVAL_MINUTES=15\nATOM_SAAS_SYNC_BATCH_SIZE=200\n');
    const env = readEnv({ ATOM_ENV_FILE: file, ATOM_SAAS_SYNC_BATCH_SIZE: '50' });
    const config = loadConfig(env);
    expect(config.syncIntervalMinutes).toBe(15);
    expect(config.syncBatchSize).toBe(50);
  });

  it('never exposes a token in the public settings', () => {
    const config = loadConfig({ ATOM_SAAS_API_TOKEN: 'very-secret-token', ATOM_SYNC_ADMIN_TOKEN: 'admin-secret' });
    const text = JSON.stringify(publicConfig(config));
    expect(text).not.toContain('very-secret-token');
    expect(text).not.toContain('admin-secret');
    expect(publicConfig(config).token_configured).toBe(true);
  });
});
