import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../engine/config/index.js';
import {
  CONFIG_CLASSIFICATION,
  configSecrets,
  redactConfig,
  unclassifiedKeys,
  UNCLASSIFIED,
  type ClassificationOf,
} from '../../engine/support/configRedaction.js';

const SECRETS = {
  apiToken: 'tok-API-5ecret-value-1234',
  adminToken: 'adm-5ecret-value-5678',
  apiPassword: 'apipass-9876',
  wsPassword: 'wspass-5432',
  proxyPassword: 'pr@xy-pass-1357',
  proxyPasswordEncoded: 'pr%40xy-pass-1357',
  proxyUserOnly: 'TOKENASUSER-2468',
  apiUser: 'apiuser-u1',
  proxyUser: 'proxyuser-u2',
  dbPassword: 'db-pa55-word-8642',
};

/** A value for every variable loadConfig reads, each set away from its default. */
const FULL_ENV: Record<string, string> = {
  ATOM_SAAS_API_TOKEN: SECRETS.apiToken,
  ATOM_SAAS_API_URL: `https://${SECRETS.apiUser}:${SECRETS.apiPassword}@atom.example.test/api/v1/marketplace`,
  ATOM_SAAS_WS_URL: `wss://wsuser-u3:${SECRETS.wsPassword}@atom.example.test/ws`,
  ATOM_SAAS_URL: 'wss://atom.example.test/ws-alias',
  ATOM_SYNC_HOST: '0.0.0.0',
  ATOM_SYNC_ADMIN_TOKEN: SECRETS.adminToken,
  ATOM_INSTANCE_ID: 'instance-42',
  ATOM_SAAS_SYNC_INTERVAL_MINUTES: '17',
  ATOM_SAAS_SYNC_BATCH_SIZE: '250',
  ATOM_SAAS_FULL_SYNC_INTERVAL_MINUTES: '720',
  ATOM_SAAS_RATING_SYNC_INTERVAL_MINUTES: '45',
  ATOM_SAAS_RATING_BATCH_SIZE: '50',
  ATOM_SAAS_RATING_MAX_ATTEMPTS: '7',
  ATOM_SAAS_WS_BACKOFF_MAX_SECONDS: '90',
  ATOM_SAAS_WS_ENABLED: 'false',
  ATOM_SAAS_SYNC_ENABLED: 'false',
  ATOM_SAAS_CONFLICT_STRATEGY: 'merge',
  ATOM_SAAS_CONFLICT_AUTO_CRITICAL: 'true',
  ATOM_SYNC_PORT: '8123',
  ATOM_DB_PATH: '/srv/atom/data/atom.db',
  ATOM_LOG_PATH: '/srv/atom/logs/sync.log',
  ATOM_LOG_LEVEL: 'debug',
  ATOM_SAAS_HTTP_TIMEOUT_SECONDS: '12',
  ATOM_DB_BUSY_TIMEOUT_SECONDS: '9',
  ATOM_DEMO_SKILLS: '77',
  ATOM_SYNC_NOTIFICATIONS: 'errors',
  HTTPS_PROXY: `http://${SECRETS.proxyUser}:${SECRETS.proxyPasswordEncoded}@proxy.example.test:3128`,
  HTTP_PROXY: `http://${SECRETS.proxyUserOnly}@proxy.example.test:3129`,
  NO_PROXY: 'localhost,.internal.test',
  ATOM_DATABASE_URL: `postgres://atom:${SECRETS.dbPassword}@db.example.test:5432/atom`,
  ATOM_REPLICA_ID: 'pod-7',
};

/** Read by readEnv (where `.env` is), not a setting. */
const NOT_SETTINGS = new Set(['ATOM_ENV_FILE']);

function keyPaths(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, field]) =>
    field !== null && typeof field === 'object' ? keyPaths(field as object, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

describe('support bundle config redaction', () => {
  const config = loadConfig(FULL_ENV, '/srv/atom');

  it('is given a value for every variable the configuration reads', () => {
    const source = readFileSync(new URL('../../engine/config/config.ts', import.meta.url), 'utf8');
    const read = [...source.matchAll(/'((?:ATOM_[A-Z0-9_]+)|HTTPS?_PROXY|NO_PROXY)'/g)].map((m) => m[1]!).filter((n) => !NOT_SETTINGS.has(n));
    expect(read.length).toBeGreaterThan(20);
    expect(read.filter((name) => !(name in FULL_ENV))).toEqual([]);
  });

  it('classifies every key of the effective configuration, and only those', () => {
    expect(unclassifiedKeys(config)).toEqual([]);
    expect(keyPaths(CONFIG_CLASSIFICATION).sort()).toEqual(keyPaths(config).sort());
  });

  it('leaves no secret in the redacted output, and says which secrets are set', () => {
    const redacted = redactConfig(config);
    const text = JSON.stringify(redacted);
    for (const secret of Object.values(SECRETS)) expect(text, secret).not.toContain(secret);
    expect(redacted).toMatchObject({
      api_token: '[set]',
      admin_token: '[set]',
      sync_interval_minutes: 17,
      sync_batch_size: 250,
      conflict_strategy: 'merge',
      db_path: '/srv/atom/data/atom.db',
      log_path: '/srv/atom/logs/sync.log',
      instance_id: 'instance-42',
      api_url: 'https://***@atom.example.test/api/v1/marketplace',
      proxy: { https_proxy: 'http://***@proxy.example.test:3128', http_proxy: 'http://***@proxy.example.test:3129', no_proxy: 'localhost,.internal.test' },
    });
    const unset = redactConfig(loadConfig({}, '/srv/atom'));
    expect(unset).toMatchObject({ api_token: null, admin_token: null, api_url: null, proxy: { https_proxy: null } });
  });

  it('lists every hidden value as a secret to scrub, in raw, decoded and Basic forms', () => {
    const secrets = configSecrets(config);
    for (const secret of Object.values(SECRETS)) expect(secrets, secret).toContain(secret);
    expect(secrets).toContain(Buffer.from(`${SECRETS.proxyUser}:${SECRETS.proxyPassword}`).toString('base64'));
    // Settings shown as they are are not secrets (scrubbing them would blank the logs).
    expect(secrets).not.toContain('instance-42');
    expect(secrets).not.toContain('/srv/atom/logs/sync.log');
  });

  it('hides a setting nobody classified and reports it (fail closed)', () => {
    const grown = {
      ...config,
      auditUrl: 'postgres://atom:db-5ecret-pw@db.example.test/audit',
      proxy: { ...config.proxy, socksProxy: 'socks5://u:socks-5ecret@proxy.example.test' },
    } as Config;
    expect(unclassifiedKeys(grown).sort()).toEqual(['auditUrl', 'proxy.socksProxy']);
    const redacted = redactConfig(grown);
    expect(redacted).toMatchObject({ audit_url: UNCLASSIFIED, proxy: { socks_proxy: UNCLASSIFIED } });
    expect(JSON.stringify(redacted)).not.toContain('5ecret');
    expect(configSecrets(grown)).toEqual(expect.arrayContaining(['postgres://atom:db-5ecret-pw@db.example.test/audit']));
  });

  it('does not compile when a new setting has no rule', () => {
    type Grown = Config & { readonly auditUrl: string | null };
    // @ts-expect-error auditUrl is not classified
    const rules: ClassificationOf<Grown> = CONFIG_CLASSIFICATION;
    // @ts-expect-error a number cannot be treated as a URL
    const wrong: ClassificationOf<Pick<Config, 'port'>> = { port: 'url_with_credentials' };
    expect([rules, wrong]).toHaveLength(2);
  });
});
