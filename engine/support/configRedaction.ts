import { redactUrl, type Config } from '../config/index.js';

/**
 * How one setting appears in a support bundle: `include` copies the value, `secret` says only
 * whether it is set, `url_with_credentials` keeps the URL without its user and password.
 */
export type Classification = 'include' | 'secret' | 'url_with_credentials';

type Scalar = string | number | boolean | null;

/** A rule for every key of T, nested settings included: a setting added without one does not compile. */
export type ClassificationOf<T> = {
  readonly [K in keyof T]-?: T[K] extends Scalar
    ? T[K] extends string | null
      ? Classification
      : Exclude<Classification, 'url_with_credentials'>
    : ClassificationOf<T[K]>;
};

/** The allow-list. A URL is treated as able to hold credentials unless it cannot (it is only a host name). */
export const CONFIG_CLASSIFICATION = {
  apiUrl: 'url_with_credentials',
  wsUrl: 'url_with_credentials',
  apiToken: 'secret',
  instanceId: 'include',
  syncIntervalMinutes: 'include',
  syncBatchSize: 'include',
  fullSyncIntervalMinutes: 'include',
  ratingSyncIntervalMinutes: 'include',
  ratingBatchSize: 'include',
  ratingMaxAttempts: 'include',
  wsBackoffMaxSeconds: 'include',
  wsEnabled: 'include',
  syncEnabled: 'include',
  conflictStrategy: 'include',
  conflictAutoCritical: 'include',
  host: 'include',
  port: 'include',
  adminToken: 'secret',
  dbPath: 'include',
  databaseUrl: 'url_with_credentials',
  replicaId: 'include',
  logPath: 'include',
  logLevel: 'include',
  httpTimeoutMs: 'include',
  dbBusyLimitMs: 'include',
  demoSkills: 'include',
  notifications: 'include',
  proxy: {
    httpsProxy: 'url_with_credentials',
    httpProxy: 'url_with_credentials',
    noProxy: 'include',
  },
} as const satisfies ClassificationOf<Config>;

/** What a key with no rule shows: nothing of its value (fail closed). */
export const UNCLASSIFIED = '[unclassified: hidden]';
export const SET = '[set]';

type Rules = { readonly [key: string]: Classification | Rules };

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function applyRule(rule: Classification, value: unknown): unknown {
  switch (rule) {
    case 'include':
      return value;
    case 'secret':
      return value === null || value === undefined || value === '' ? null : SET;
    case 'url_with_credentials':
      if (value === null || value === undefined) return null;
      return typeof value === 'string' ? redactUrl(value) : UNCLASSIFIED;
  }
}

function redactObject(value: Record<string, unknown>, rules: Rules): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const rule = rules[key];
    const name = snakeCase(key);
    if (rule === undefined) out[name] = UNCLASSIFIED;
    else if (typeof rule === 'string') out[name] = applyRule(rule, field);
    else out[name] = isRecord(field) ? redactObject(field, rule) : UNCLASSIFIED;
  }
  return out;
}

/** The effective configuration as a support bundle shows it, keys in snake_case (`sync_interval_minutes`). */
export function redactConfig(config: Config, rules: Rules = CONFIG_CLASSIFICATION): Record<string, unknown> {
  return redactObject(config as unknown as Record<string, unknown>, rules);
}

/** Dotted paths of the settings present in `config` that the allow-list does not classify. */
export function unclassifiedKeys(config: Config, rules: Rules = CONFIG_CLASSIFICATION): string[] {
  const walk = (value: Record<string, unknown>, level: Rules, prefix: string): string[] =>
    Object.entries(value).flatMap(([key, field]) => {
      const rule = level[key];
      if (rule === undefined) return [`${prefix}${key}`];
      if (typeof rule === 'string') return [];
      return isRecord(field) ? walk(field, rule, `${prefix}${key}.`) : [`${prefix}${key}`];
    });
  return walk(config as unknown as Record<string, unknown>, rules, '');
}

/** The user, password and `user:password` (raw, decoded and as a Basic credential) of a URL. */
function urlCredentials(value: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return [value];
  }
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  };
  const user = decode(parsed.username);
  const password = decode(parsed.password);
  const found = [parsed.username, parsed.password, user, password];
  if (user && password) found.push(`${user}:${password}`, Buffer.from(`${user}:${password}`).toString('base64'));
  return found;
}

/** Every value the allow-list hides (tokens, URL credentials): what a bundle scrubs from every file it adds. */
export function configSecrets(config: Config, rules: Rules = CONFIG_CLASSIFICATION): string[] {
  const found = new Set<string>();
  const walk = (value: Record<string, unknown>, level: Rules) => {
    for (const [key, field] of Object.entries(value)) {
      const rule = level[key];
      if (field === null || field === undefined) continue;
      if (isRecord(rule)) {
        if (isRecord(field)) walk(field, rule);
      } else if (rule === 'secret') {
        if (typeof field === 'string' || typeof field === 'number') found.add(String(field));
      } else if (rule === undefined) {
        // An unclassified text is hidden in config.json, so it is scrubbed everywhere else too.
        if (typeof field === 'string') found.add(field);
      } else if (rule === 'url_with_credentials' && typeof field === 'string') {
        for (const part of urlCredentials(field)) found.add(part);
      }
    }
  };
  walk(config as unknown as Record<string, unknown>, rules);
  return [...found].filter((s) => s.length > 0);
}
