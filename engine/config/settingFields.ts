/**
 * The settings a person may change at run time, named as `GET /config` names them. Each maps to
 * the variable that sets it, so a saved value is checked by the same parser as the environment.
 */
export const CONFLICT_STRATEGIES = ['manual', 'local_wins', 'remote_wins', 'merge'] as const;
export type ConflictStrategySetting = (typeof CONFLICT_STRATEGIES)[number];
export const NOTIFICATION_SETTINGS = ['all', 'errors', 'none'] as const;
export type NotificationSetting = (typeof NOTIFICATION_SETTINGS)[number];

interface Base {
  name: string;
  env: string;
  label: string;
  help?: string;
}
export type SettingSpec =
  | (Base & { type: 'url' })
  | (Base & { type: 'secret' })
  | (Base & { type: 'boolean' })
  | (Base & { type: 'choice'; choices: readonly string[] })
  | (Base & { type: 'integer'; min: number; max: number; unit: string });

const integer = (name: string, env: string, label: string, min: number, max: number, unit: string): SettingSpec => ({
  name,
  env,
  label,
  type: 'integer',
  min,
  max,
  unit,
});

/** Ranges here are the parser's ranges (loadConfig reads them from this table). */
export const SETTING_FIELDS = [
  { name: 'api_url', env: 'ATOM_SAAS_API_URL', label: 'API URL', type: 'url', help: 'Empty: demo mode, with the built-in sample catalogue.' },
  { name: 'ws_url', env: 'ATOM_SAAS_WS_URL', label: 'WebSocket URL', type: 'url', help: 'Empty: the API host’s /api/ws/satellite/connect.' },
  { name: 'api_token', env: 'ATOM_SAAS_API_TOKEN', label: 'API token', type: 'secret' },
  integer('sync_interval_minutes', 'ATOM_SAAS_SYNC_INTERVAL_MINUTES', 'Sync interval', 1, 10_080, 'min'),
  integer('full_sync_interval_minutes', 'ATOM_SAAS_FULL_SYNC_INTERVAL_MINUTES', 'Full listing at least every', 1, 525_600, 'min'),
  integer('sync_batch_size', 'ATOM_SAAS_SYNC_BATCH_SIZE', 'Sync batch size', 1, 1000, 'skills'),
  integer('rating_sync_interval_minutes', 'ATOM_SAAS_RATING_SYNC_INTERVAL_MINUTES', 'Rating sync interval', 1, 10_080, 'min'),
  integer('rating_batch_size', 'ATOM_SAAS_RATING_BATCH_SIZE', 'Rating batch size', 1, 1000, 'ratings'),
  integer('rating_max_attempts', 'ATOM_SAAS_RATING_MAX_ATTEMPTS', 'Upload attempts before a rating is listed as failed', 1, 100, 'attempts'),
  { name: 'sync_enabled', env: 'ATOM_SAAS_SYNC_ENABLED', label: 'Sync', type: 'boolean' },
  { name: 'websocket_enabled', env: 'ATOM_SAAS_WS_ENABLED', label: 'Live updates (WebSocket)', type: 'boolean' },
  integer('websocket_backoff_max_seconds', 'ATOM_SAAS_WS_BACKOFF_MAX_SECONDS', 'Longest reconnect wait', 1, 3600, 's'),
  integer('http_timeout_seconds', 'ATOM_SAAS_HTTP_TIMEOUT_SECONDS', 'HTTP timeout', 1, 600, 's'),
  { name: 'conflict_strategy', env: 'ATOM_SAAS_CONFLICT_STRATEGY', label: 'Conflict strategy', type: 'choice', choices: CONFLICT_STRATEGIES },
  {
    name: 'conflict_auto_critical',
    env: 'ATOM_SAAS_CONFLICT_AUTO_CRITICAL',
    label: 'Let the strategy resolve critical conflicts',
    type: 'boolean',
  },
  { name: 'notifications', env: 'ATOM_SYNC_NOTIFICATIONS', label: 'Desktop notifications', type: 'choice', choices: NOTIFICATION_SETTINGS },
] as const satisfies readonly SettingSpec[];

export type SettingName = (typeof SETTING_FIELDS)[number]['name'];

/** Fields whose change needs no restart of the remote parts. */
export const LOCAL_ONLY: ReadonlySet<string> = new Set(['notifications', 'conflict_strategy', 'conflict_auto_critical']);

export function settingByName(name: string): SettingSpec | undefined {
  return (SETTING_FIELDS as readonly SettingSpec[]).find((f) => f.name === name);
}

export function settingByEnv(env: string): SettingSpec | undefined {
  return (SETTING_FIELDS as readonly SettingSpec[]).find((f) => f.env === env);
}

/** The parser's range for a field in the table. */
export function rangeOf(env: string): [number, number] {
  const spec = settingByEnv(env);
  if (!spec || spec.type !== 'integer') throw new Error(`${env} is not an integer setting`);
  return [spec.min, spec.max];
}
