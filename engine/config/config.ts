import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { DATABASE_URL_SETTING, parseDatabaseUrl, redactDatabaseUrl } from './databaseUrl.js';
import { ConfigError } from './errors.js';
import { bool, int, oneOf, optionalStr, str, url, type Env } from './parse.js';
import { CONFLICT_STRATEGIES, NOTIFICATION_SETTINGS, rangeOf, type ConflictStrategySetting, type NotificationSetting } from './settingFields.js';
import type { PublicConfig } from '../contracts/publicConfig.js';

export { CONFLICT_STRATEGIES, NOTIFICATION_SETTINGS, type ConflictStrategySetting, type NotificationSetting } from './settingFields.js';

/** The socket's path on an Atom SaaS host (wss://atomagentos.com/api/ws/satellite/connect). */
export const WS_PATH = '/api/ws/satellite/connect';

/** Without ATOM_SAAS_WS_URL the socket lives on the API's host: a self-hosted Atom SaaS needs one URL, not two. */
export function wsUrlFor(apiUrl: string): string {
  const parsed = new URL(apiUrl);
  return `${parsed.protocol === 'https:' ? 'wss' : 'ws'}://${parsed.host}${WS_PATH}`;
}

export interface Config {
  /** Marketplace base URL; null means demo mode (the emulator is started as the remote). */
  readonly apiUrl: string | null;
  readonly wsUrl: string | null;
  readonly apiToken: string | null;
  readonly instanceId: string;
  readonly syncIntervalMinutes: number;
  readonly syncBatchSize: number;
  /** An incremental run lists everything instead when the last full listing is older than this. */
  readonly fullSyncIntervalMinutes: number;
  readonly ratingSyncIntervalMinutes: number;
  readonly ratingBatchSize: number;
  readonly ratingMaxAttempts: number;
  readonly wsBackoffMaxSeconds: number;
  readonly wsEnabled: boolean;
  readonly syncEnabled: boolean;
  readonly conflictStrategy: ConflictStrategySetting;
  /** Lets the automatic strategy also resolve critical conflicts and version downgrades (off: they wait for a person). */
  readonly conflictAutoCritical: boolean;
  readonly host: string;
  readonly port: number;
  readonly adminToken: string | null;
  readonly dbPath: string;
  /** ATOM_DATABASE_URL: PostgreSQL instead of the SQLite file, and replicas electing one leader. Holds a password: never log or return it. */
  readonly databaseUrl: string | null;
  /** This replica's name among several on one database (ATOM_REPLICA_ID; default host name and process id). */
  readonly replicaId: string;
  readonly logPath: string;
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug';
  readonly httpTimeoutMs: number;
  /** How long a write waits for a database lock held by another process before the work fails and is retried. */
  readonly dbBusyLimitMs: number;
  /** Demo-mode catalogue size (emulator). */
  readonly demoSkills: number;
  /** Which desktop notifications to show (the daemon shows none). */
  readonly notifications: NotificationSetting;
  /** Forward proxy for Atom SaaS (HTTPS_PROXY, HTTP_PROXY, NO_PROXY); credentials in a proxy URL are a secret. */
  readonly proxy: ProxySettings;
}

export interface ProxySettings {
  readonly httpsProxy: string | null;
  readonly httpProxy: string | null;
  readonly noProxy: string | null;
}

export const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** Reads `.env` (if present) under the environment: variables already set win. */
export function readEnv(env: Env = process.env, cwd = process.cwd()): Env {
  const file = env.ATOM_ENV_FILE ?? path.join(cwd, '.env');
  if (!existsSync(file)) return env;
  let fromFile: Record<string, string>;
  try {
    fromFile = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch (error) {
    throw new ConfigError('ATOM_ENV_FILE', `${file} could not be read: ${(error as Error).message}`);
  }
  return { ...fromFile, ...env };
}

/** Builds the effective configuration; throws ConfigError with a one-line message. */
export function loadConfig(env: Env = readEnv(), cwd = process.cwd()): Config {
  const apiToken = optionalStr(env, 'ATOM_SAAS_API_TOKEN');
  const apiUrl = url(env, 'ATOM_SAAS_API_URL', ['http', 'https']);
  const wsUrl = url(env, 'ATOM_SAAS_WS_URL', ['ws', 'wss']) ?? url(env, 'ATOM_SAAS_URL', ['ws', 'wss']);
  const host = str(env, 'ATOM_SYNC_HOST', '127.0.0.1');
  const adminToken = optionalStr(env, 'ATOM_SYNC_ADMIN_TOKEN');
  if (!LOOPBACK_HOSTS.has(host) && !adminToken) {
    throw new ConfigError(
      'ATOM_SYNC_HOST',
      `ATOM_SYNC_HOST=${host} is not loopback: set ATOM_SYNC_ADMIN_TOKEN before exposing the admin API beyond this machine`,
    );
  }
  const instanceId =
    optionalStr(env, 'ATOM_INSTANCE_ID') ??
    (apiToken ? createHash('sha256').update(apiToken).digest('hex').slice(0, 32) : 'atom-sync-local');
  return {
    apiUrl,
    wsUrl: apiUrl === null ? wsUrl : (wsUrl ?? wsUrlFor(apiUrl)),
    apiToken,
    instanceId,
    syncIntervalMinutes: int(env, 'ATOM_SAAS_SYNC_INTERVAL_MINUTES', 30, ...rangeOf('ATOM_SAAS_SYNC_INTERVAL_MINUTES')),
    syncBatchSize: int(env, 'ATOM_SAAS_SYNC_BATCH_SIZE', 100, ...rangeOf('ATOM_SAAS_SYNC_BATCH_SIZE')),
    fullSyncIntervalMinutes: int(env, 'ATOM_SAAS_FULL_SYNC_INTERVAL_MINUTES', 1440, ...rangeOf('ATOM_SAAS_FULL_SYNC_INTERVAL_MINUTES')),
    ratingSyncIntervalMinutes: int(env, 'ATOM_SAAS_RATING_SYNC_INTERVAL_MINUTES', 30, ...rangeOf('ATOM_SAAS_RATING_SYNC_INTERVAL_MINUTES')),
    ratingBatchSize: int(env, 'ATOM_SAAS_RATING_BATCH_SIZE', 100, ...rangeOf('ATOM_SAAS_RATING_BATCH_SIZE')),
    ratingMaxAttempts: int(env, 'ATOM_SAAS_RATING_MAX_ATTEMPTS', 5, ...rangeOf('ATOM_SAAS_RATING_MAX_ATTEMPTS')),
    wsBackoffMaxSeconds: int(env, 'ATOM_SAAS_WS_BACKOFF_MAX_SECONDS', 30, ...rangeOf('ATOM_SAAS_WS_BACKOFF_MAX_SECONDS')),
    wsEnabled: bool(env, 'ATOM_SAAS_WS_ENABLED', true),
    syncEnabled: bool(env, 'ATOM_SAAS_SYNC_ENABLED', true),
    conflictStrategy: oneOf(env, 'ATOM_SAAS_CONFLICT_STRATEGY', 'manual', CONFLICT_STRATEGIES),
    conflictAutoCritical: bool(env, 'ATOM_SAAS_CONFLICT_AUTO_CRITICAL', false),
    host,
    port: int(env, 'ATOM_SYNC_PORT', 8000, 0, 65_535),
    adminToken,
    dbPath: path.resolve(cwd, str(env, 'ATOM_DB_PATH', './atom_dev.db')),
    databaseUrl: databaseUrl(env),
    replicaId: replicaIdOf(env),
    logPath: path.resolve(cwd, str(env, 'ATOM_LOG_PATH', 'logs/atom.log')),
    logLevel: oneOf(env, 'ATOM_LOG_LEVEL', 'info', ['error', 'warn', 'info', 'debug'] as const),
    httpTimeoutMs: int(env, 'ATOM_SAAS_HTTP_TIMEOUT_SECONDS', 30, ...rangeOf('ATOM_SAAS_HTTP_TIMEOUT_SECONDS')) * 1000,
    dbBusyLimitMs: int(env, 'ATOM_DB_BUSY_TIMEOUT_SECONDS', 15, 1, 600) * 1000,
    demoSkills: int(env, 'ATOM_DEMO_SKILLS', 500, 1, 1_000_000),
    notifications: oneOf(env, 'ATOM_SYNC_NOTIFICATIONS', 'all', NOTIFICATION_SETTINGS),
    proxy: proxySettings(env),
  };
}

function databaseUrl(env: Env): string | null {
  const value = optionalStr(env, DATABASE_URL_SETTING);
  return value === null ? null : parseDatabaseUrl(value).connectionString;
}

/** Shown to the other replicas as the leader's name (PostgreSQL keeps 63 bytes of it). */
function replicaIdOf(env: Env): string {
  const value = optionalStr(env, 'ATOM_REPLICA_ID') ?? `${os.hostname()}-${process.pid}`;
  if (value.length > 53 || /\s/.test(value)) {
    throw new ConfigError('ATOM_REPLICA_ID', `ATOM_REPLICA_ID=${value.slice(0, 60)} is not valid: expected up to 53 characters without spaces`);
  }
  return value;
}

/** The usual proxy variables; the upper-case name wins, as curl reads them. */
function proxySettings(env: Env): ProxySettings {
  const either = (name: string) => (optionalStr(env, name) !== null ? name : name.toLowerCase());
  return {
    httpsProxy: url(env, either('HTTPS_PROXY'), ['http', 'https']),
    httpProxy: url(env, either('HTTP_PROXY'), ['http', 'https']),
    noProxy: optionalStr(env, either('NO_PROXY')),
  };
}

/** A proxy URL without its user and password, fit for a log, the API or a support bundle. */
export function redactUrl(value: string | null): string | null {
  if (value === null) return null;
  try {
    const parsed = new URL(value);
    if (!parsed.username && !parsed.password) return value;
    parsed.username = '***';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '***';
  }
}

/** The settings an operator may see (GET /config): never the tokens. */
export function publicConfig(config: Config, demoApiUrl?: string | null, demoWsUrl?: string | null): PublicConfig {
  return {
    sync_interval_minutes: config.syncIntervalMinutes,
    sync_batch_size: config.syncBatchSize,
    full_sync_interval_minutes: config.fullSyncIntervalMinutes,
    sync_enabled: config.syncEnabled,
    rating_sync_interval_minutes: config.ratingSyncIntervalMinutes,
    rating_batch_size: config.ratingBatchSize,
    rating_max_attempts: config.ratingMaxAttempts,
    websocket_enabled: config.wsEnabled,
    websocket_backoff_max_seconds: config.wsBackoffMaxSeconds,
    api_url: config.apiUrl ?? demoApiUrl ?? null,
    ws_url: config.wsUrl ?? demoWsUrl ?? null,
    demo_mode: config.apiUrl === null,
    db_path: config.dbPath,
    database: config.databaseUrl === null ? 'sqlite' : 'postgres',
    database_url: config.databaseUrl === null ? null : redactDatabaseUrl(config.databaseUrl),
    replica_id: config.replicaId,
    log_path: config.logPath,
    conflict_strategy: config.conflictStrategy,
    conflict_auto_critical: config.conflictAutoCritical,
    http_timeout_seconds: config.httpTimeoutMs / 1000,
    db_busy_timeout_seconds: config.dbBusyLimitMs / 1000,
    host: config.host,
    port: config.port,
    instance_id: config.instanceId,
    token_configured: config.apiToken !== null,
    admin_token_configured: config.adminToken !== null,
    notifications: config.notifications,
    https_proxy: redactUrl(config.proxy.httpsProxy),
    http_proxy: redactUrl(config.proxy.httpProxy),
    no_proxy: config.proxy.noProxy,
  };
}
