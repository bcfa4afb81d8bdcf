import type { ConfigUpdate, SettingField } from '../../../../engine/contracts/localHttpApi.js';
import { formatCount } from '../../lib/format.js';

/**
 * What the person typed, per field: text for URLs, numbers and choices, a boolean for switches;
 * for the token, the new one or null to forget it. Fields not in the draft keep their value.
 */
export type Draft = Readonly<Record<string, string | boolean | null>>;

type Parsed = { ok: true; value: string | number | boolean | null } | { ok: false; error: string };

function urlProblem(text: string): string | null {
  try {
    const parsed = new URL(text);
    return parsed.hostname ? null : 'The address names no host.';
  } catch {
    return 'This is not a full address: it must start with a scheme such as https:// and name a host.';
  }
}

function range(field: SettingField): string {
  const unit = field.unit ? ` ${field.unit}` : '';
  if (field.min !== undefined && field.max !== undefined) return `from ${formatCount(field.min)} to ${formatCount(field.max)}${unit}`;
  if (field.min !== undefined) return `of at least ${formatCount(field.min)}${unit}`;
  if (field.max !== undefined) return `of at most ${formatCount(field.max)}${unit}`;
  return '';
}

/** The typed value of a draft entry, or the sentence to show beside the field. */
export function parseDraft(field: SettingField, raw: string | boolean | null): Parsed {
  switch (field.type) {
    case 'boolean':
      return { ok: true, value: raw === true };
    case 'secret': {
      if (raw === null) return { ok: true, value: null };
      const token = String(raw).trim();
      return token === '' ? { ok: false, error: 'Paste the new token, or cancel to keep the stored one.' } : { ok: true, value: token };
    }
    case 'integer': {
      const text = String(raw ?? '').trim();
      if (!/^-?\d+$/.test(text)) return { ok: false, error: `Enter a whole number${range(field) ? ` ${range(field)}` : ''}.` };
      const n = Number(text);
      if ((field.min !== undefined && n < field.min) || (field.max !== undefined && n > field.max)) return { ok: false, error: `Enter a number ${range(field)}.` };
      return { ok: true, value: n };
    }
    case 'url': {
      const text = String(raw ?? '').trim();
      // Empty puts the field back to its default.
      if (text === '') return { ok: true, value: null };
      const problem = urlProblem(text);
      return problem ? { ok: false, error: problem } : { ok: true, value: text };
    }
    case 'choice':
      return { ok: true, value: String(raw ?? '') };
  }
}

function sameAsSaved(field: SettingField, value: string | number | boolean | null): boolean {
  if (field.type === 'secret') return false;
  if (field.type === 'url') return (value ?? '') === (field.value ?? '');
  return value === field.value;
}

/** Only the fields that change (typed), and a sentence for each one that cannot be sent as typed. */
export function draftChanges(fields: readonly SettingField[], draft: Draft): { update: ConfigUpdate; errors: Record<string, string> } {
  const update: Record<string, string | number | boolean | null> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    if (!(field.name in draft) || !field.editable) continue;
    const parsed = parseDraft(field, draft[field.name]!);
    if (!parsed.ok) errors[field.name] = parsed.error;
    else if (!sameAsSaved(field, parsed.value)) update[field.name] = parsed.value;
  }
  return { update, errors };
}

/** Drops entries that now equal what the engine holds (after a save, or a change made elsewhere). */
export function pruneDraft(fields: readonly SettingField[], draft: Draft): Draft {
  const kept: Record<string, string | boolean | null> = {};
  for (const [name, raw] of Object.entries(draft)) {
    const field = fields.find((f) => f.name === name);
    if (!field || !field.editable) continue;
    const parsed = parseDraft(field, raw);
    if (!parsed.ok || !sameAsSaved(field, parsed.value)) kept[name] = raw;
  }
  return kept;
}

/** The text an input shows: the draft when there is one, else the engine's value. */
export function shownValue(field: SettingField, draft: Draft): string | boolean {
  if (field.name in draft) {
    const raw = draft[field.name];
    return typeof raw === 'boolean' ? raw : (raw ?? '');
  }
  if (field.type === 'boolean') return field.value === true;
  return field.value === null ? '' : String(field.value);
}
