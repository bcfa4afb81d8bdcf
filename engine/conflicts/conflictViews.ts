/** Turns stored conflict rows into the API shapes (summary, detail with per-field view). */
import type { ConflictDetail, ConflictField, ConflictSummary } from '../contracts/localHttpApi.js';
import type { ConflictRow } from '../store/conflictsRepo.js';
import { fieldSeverity } from './severity.js';
import { changedFields, threeWayMerge, type JsonObject } from './threeWayMerge.js';

export function parseRecord(text: string | null): JsonObject | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : null;
  } catch {
    return null;
  }
}

function parseList(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

const orNull = (value: unknown) => (value === undefined ? null : value);

export function toSummary(row: ConflictRow): ConflictSummary {
  const name = (record: JsonObject | null) => (typeof record?.name === 'string' ? record.name : null);
  return {
    id: row.id,
    entity_type: 'skill',
    entity_id: row.entity_id,
    entity_name: row.entity_name ?? name(parseRecord(row.local)) ?? name(parseRecord(row.remote)),
    conflict_type: row.conflict_type,
    severity: row.severity,
    clashing_fields: parseList(row.fields),
    status: row.status,
    detected_at: row.detected_at,
    updated_at: row.updated_at,
    strategy: row.strategy,
    resolved_at: row.resolved_at,
    resolved_by: row.resolved_by,
  };
}

/** Every content field that differs anywhere; after a remote deletion, the local changes. */
export function fieldViews(base: JsonObject | null, local: JsonObject | null, remote: JsonObject | null): ConflictField[] {
  const b = base ?? {};
  const l = local ?? {};
  if (remote === null) {
    return changedFields(b, l).map((field) => ({
      field,
      base: orNull(b[field]),
      local: orNull(l[field]),
      remote: null,
      mergeable: false,
      severity: fieldSeverity(field),
    }));
  }
  return threeWayMerge(b, l, remote).fields.map((f) => ({
    field: f.field,
    base: orNull(f.base),
    local: orNull(f.local),
    remote: orNull(f.remote),
    mergeable: f.mergeable,
    severity: f.severity,
  }));
}

export function toDetail(row: ConflictRow): ConflictDetail {
  const base = parseRecord(row.base);
  const local = parseRecord(row.local);
  const remote = parseRecord(row.remote);
  return {
    ...toSummary(row),
    base,
    local,
    remote,
    fields: fieldViews(base, local, remote),
    resolution: parseRecord(row.resolution),
  };
}
