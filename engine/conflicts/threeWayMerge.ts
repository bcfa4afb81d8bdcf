/**
 * Field-wise three-way merge of skill records (pure). A field only one side changed since the
 * base takes that side; a field both changed the same way takes that value; a field both
 * changed differently is a clash, left for a person (or a strategy) to decide.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Severity } from '../contracts/localHttpApi.js';
import { fieldSeverity } from './severity.js';

export type JsonObject = Record<string, unknown>;

/** Bookkeeping the remote owns: always taken from the remote, never a clash, never listed. */
export const REMOTE_OWNED_FIELDS: ReadonlySet<string> = new Set(['updated_at', 'average_rating', 'rating_count', 'created_at']);
/** The identity is not a field to merge. */
export const IDENTITY_FIELD = 'skill_id';

/**
 * Deep JSON equality where an absent key and null are the same "no value": the local view of a
 * row drops a NULL column that the remote payload may carry as an explicit null.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a ?? null, b ?? null);
}

export interface FieldMerge {
  field: string;
  base: unknown;
  local: unknown;
  remote: unknown;
  localChanged: boolean;
  remoteChanged: boolean;
  /** false when both sides changed the field to different values (a clash). */
  mergeable: boolean;
  severity: Severity;
}

export interface MergeResult {
  /** The merged record; a clashing field holds the local value until someone chooses. */
  merged: JsonObject;
  /** Content fields that differ anywhere (base, local, remote), in first-seen order. */
  fields: FieldMerge[];
  clashes: string[];
  localChanged: string[];
  remoteChanged: string[];
}

/** Content fields of the records: the union of keys, without the identity and remote bookkeeping. */
export function contentFields(...records: ReadonlyArray<JsonObject | null>): string[] {
  const seen = new Set<string>();
  for (const record of records) {
    if (!record) continue;
    for (const key of Object.keys(record)) {
      if (key !== IDENTITY_FIELD && !REMOTE_OWNED_FIELDS.has(key)) seen.add(key);
    }
  }
  return [...seen];
}

/** Content fields whose value in `side` differs from `base`. */
export function changedFields(base: JsonObject, side: JsonObject): string[] {
  return contentFields(base, side).filter((field) => !sameJson(side[field], base[field]));
}

export function threeWayMerge(base: JsonObject, local: JsonObject, remote: JsonObject): MergeResult {
  const result: MergeResult = { merged: {}, fields: [], clashes: [], localChanged: [], remoteChanged: [] };
  const merged = result.merged;
  const identity = remote[IDENTITY_FIELD] ?? local[IDENTITY_FIELD] ?? base[IDENTITY_FIELD];
  if (identity !== undefined) merged[IDENTITY_FIELD] = identity;

  for (const field of contentFields(base, local, remote)) {
    const b = base[field];
    const l = local[field];
    const r = remote[field];
    const localChanged = !sameJson(l, b);
    const remoteChanged = !sameJson(r, b);
    let value: unknown = l;
    let mergeable = true;
    if (remoteChanged && !localChanged) value = r;
    else if (remoteChanged && localChanged) {
      if (sameJson(l, r)) value = r;
      else {
        mergeable = false;
        result.clashes.push(field);
      }
    }
    if (value !== undefined) merged[field] = value;
    if (localChanged) result.localChanged.push(field);
    if (remoteChanged) result.remoteChanged.push(field);
    if (localChanged || remoteChanged) {
      result.fields.push({ field, base: b, local: l, remote: r, localChanged, remoteChanged, mergeable, severity: fieldSeverity(field) });
    }
  }
  for (const field of REMOTE_OWNED_FIELDS) {
    if (remote[field] !== undefined) merged[field] = remote[field];
  }
  return result;
}

/** Same content (bookkeeping ignored): whether writing `a` would leave a record equal to `b`. */
export function sameContent(a: JsonObject, b: JsonObject): boolean {
  return contentFields(a, b).every((field) => sameJson(a[field], b[field]));
}
