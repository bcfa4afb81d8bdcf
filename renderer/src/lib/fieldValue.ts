/** How conflict field values are shown and edited: strings as text, everything else as JSON. */

/** Text for display; `null`/missing are shown as a dash by the caller. */
export function showValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

export function isEmptyValue(value: unknown): boolean {
  return value === null || value === undefined;
}

/** A field is edited as plain text when the values on both sides are strings (or absent). */
export function editsAsText(...values: unknown[]): boolean {
  return values.every((v) => v === null || v === undefined || typeof v === 'string');
}

/** Parses an edited value: text as is, JSON parsed; an error sentence when the JSON is invalid. */
export function parseEdited(text: string, asText: boolean): { ok: true; value: unknown } | { ok: false; error: string } {
  if (asText) return { ok: true, value: text };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, error: `Not valid JSON: ${reason}` };
  }
}

/** Deep equality of JSON-like values, to mark which side changed a field. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return a === b || (a == null && b == null);
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Fields whose changes can break a skill when run (the engine rates them critical). */
export const CODE_FIELDS: readonly string[] = ['code', 'command'];
