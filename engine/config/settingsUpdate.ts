/**
 * Reading and changing the run-time settings: what each field is and where its value comes from
 * (`GET /settings`), and a change checked by the environment's parser (`PUT /config`).
 */
import type { SettingField, SettingsResponse } from '../contracts/localHttpApi.js';
import { badRequest, conflictState } from '../errors.js';
import { loadConfig, publicConfig, type Config } from './config.js';
import { ConfigError } from './errors.js';
import { effectiveEnv, setInEnv, type SavedValues, type SettingsPersistence, type SettingsSource } from './savedSettings.js';
import { settingByEnv, settingByName, SETTING_FIELDS, type SettingSpec } from './settingFields.js';

/** Why settings cannot be changed on an engine built from fixed settings (tests, embedders). */
const FIXED = 'This engine was started with fixed settings; change them in its environment.';

function valueOf(spec: SettingSpec, pub: Readonly<Record<string, unknown>>): string | number | boolean | null {
  if (spec.type === 'secret') return null;
  const value = pub[spec.name];
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
}

export function describeSettings(source: SettingsSource | null, config: Config): SettingsResponse {
  const saved = source?.persistence.load() ?? {};
  const pub: Readonly<Record<string, unknown>> = publicConfig(config);
  const fields = (SETTING_FIELDS as readonly SettingSpec[]).map((spec): SettingField => {
    const fromEnv = source !== null && setInEnv(source.env, spec.env);
    const field: SettingField = {
      name: spec.name,
      env: spec.env,
      label: spec.label,
      type: spec.type,
      value: valueOf(spec, pub),
      source: fromEnv ? 'environment' : saved[spec.env] !== undefined ? 'saved' : 'default',
      editable: source !== null && !fromEnv,
    };
    if (spec.type === 'secret') field.configured = config.apiToken !== null;
    if (spec.type === 'integer') Object.assign(field, { min: spec.min, max: spec.max, unit: spec.unit });
    if (spec.type === 'choice') field.choices = spec.choices;
    if (spec.help !== undefined) field.help = spec.help;
    return field;
  });
  return { fields, can_save: source !== null, reason: source === null ? FIXED : null };
}

/** A body value as the environment would spell it, or null to drop the saved value. */
function envValue(spec: SettingSpec, value: unknown): string | null {
  if (value === null) return null;
  const ok =
    spec.type === 'integer' ? typeof value === 'number' || typeof value === 'string' : spec.type === 'boolean' ? typeof value === 'boolean' || typeof value === 'string' : typeof value === 'string';
  if (!ok) throw invalid(spec.name, `${spec.name} must be ${spec.type === 'integer' ? 'a whole number' : spec.type === 'boolean' ? 'true or false' : 'a string'} (or null for the default).`);
  const text = String(value).trim();
  if (spec.type === 'secret' && /\s/.test(text)) throw invalid(spec.name, `${spec.name} must be one word without spaces.`);
  return text === '' ? null : text;
}

function invalid(field: string, detail: string) {
  return badRequest('invalid_setting', detail, { field });
}

export interface SettingsPlan {
  saved: SavedValues;
  config: Config;
  /** Public names of the fields whose effective value changed. */
  changed: string[];
  /** Where the saved values go. */
  persistence: SettingsPersistence;
}

/**
 * Checks a change without applying it. Throws EngineError: 409 `settings_fixed` without a place
 * to save, 400 `invalid_setting` (with `field`) for an unknown, environment-set or bad value.
 */
export function planUpdate(source: SettingsSource | null, current: Config, body: unknown): SettingsPlan {
  if (source === null) throw conflictState('settings_fixed', FIXED);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('invalid_body', 'The body must be a JSON object of settings, such as {"sync_interval_minutes": 15}.');
  }
  const entries = Object.entries(body as Record<string, unknown>);
  if (entries.length === 0) throw badRequest('invalid_body', 'The body names no setting to change.');
  const saved: Record<string, string> = { ...source.persistence.load() };
  for (const [name, value] of entries) {
    const spec = settingByName(name);
    if (!spec) throw invalid(name, `${name} is not a setting that can be changed here.`);
    if (setInEnv(source.env, spec.env)) throw invalid(name, `${name} is set by the environment (${spec.env}); change it there.`);
    const text = envValue(spec, value);
    if (text === null) delete saved[spec.env];
    else saved[spec.env] = text;
  }
  let config: Config;
  try {
    config = loadConfig(effectiveEnv(source.env, saved), source.cwd);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The parser's sentence, with the field's public name in place of the variable's.
    const spec = settingByEnv(error.variable);
    const field = spec?.name ?? error.variable;
    throw invalid(field, spec ? error.message.split(error.variable).join(field) : error.message);
  }
  return { saved, config, changed: changedFields(current, config), persistence: source.persistence };
}

export function changedFields(before: Config, after: Config): string[] {
  const a: Readonly<Record<string, unknown>> = publicConfig(before);
  const b: Readonly<Record<string, unknown>> = publicConfig(after);
  const changed = Object.keys(b).filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]));
  if (before.apiToken !== after.apiToken) changed.push('api_token');
  return changed;
}
