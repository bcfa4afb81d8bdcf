/**
 * The invariants of a quiesced system, each as a list of problems (empty = holds), so a failing
 * sequence names the skill, rating or edit that went wrong. Pure: the runner gathers the state.
 */
import { isDeepStrictEqual } from 'node:util';
import type { EmulatorRatingsResponse } from '../../../emulator/index.js';
import type { RemoteSkill } from '../../../engine/contracts/remote.js';
import { pairKey, type LocalEdit, type LocalRating } from './expectedState.js';
import type { LocalSkillRow } from '../../support/localAtom.js';

export const MAX_PROBLEMS = 12;

/** A community_skills row with the columns the checks read. */
export interface CachedSkill extends LocalSkillRow {
  payload: string;
}

/** A sync_conflicts row. */
export interface ConflictRecord {
  id: number;
  entity_id: string;
  conflict_type: string;
  severity: string;
  status: 'unresolved' | 'resolved';
  strategy: string | null;
  resolution: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  local: string | null;
  /** JSON list of the fields both sides changed differently. */
  fields: string;
}

export interface Checked {
  problems: string[];
  /** Individual facts compared (skills, pairs, edits, samples). */
  checks: number;
}

/** Aggregates move with other users' ratings without a new updated_at; the listing contract does not carry them. */
const AGGREGATES = new Set(['average_rating', 'rating_count']);

const parse = (text: string | null): Record<string, unknown> | null => {
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

/** Same instant (mixed precision renders "…:01Z" and "…:01.000Z"), or the same text. */
function sameStamp(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'string' || typeof b !== 'string') return (a ?? null) === (b ?? null);
  const ta = Date.parse(a);
  return !Number.isNaN(ta) && ta === Date.parse(b);
}

/** Fields where the cached payload and the remote skill differ (aggregates left out). */
export function payloadDiff(cached: Record<string, unknown>, remote: RemoteSkill): string[] {
  const fields = new Set([...Object.keys(cached), ...Object.keys(remote)]);
  const out: string[] = [];
  for (const field of fields) {
    if (AGGREGATES.has(field)) continue;
    const a = cached[field];
    const b = (remote as Record<string, unknown>)[field];
    const same = field === 'updated_at' || field === 'created_at' ? sameStamp(a, b) : isDeepStrictEqual(a ?? null, b ?? null);
    if (!same) out.push(field);
  }
  return out;
}

const short = (v: unknown) => {
  const text = JSON.stringify(v) ?? 'undefined';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** Two values side by side; long strings are cut to where they start to differ. */
function contrast(a: unknown, b: unknown): string {
  if (typeof a !== 'string' || typeof b !== 'string' || (a.length <= 60 && b.length <= 60)) return `local ${short(a)}, remote ${short(b)}`;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 20);
  return `local …${short(a.slice(from))}, remote …${short(b.slice(from))}`;
}

/**
 * 1. The cache equals the remote: the same ids, and each cached payload (and its mirrored
 * columns) equal to the remote skill, except rows with a local edit or an open conflict, which
 * only need to exist. A row marked modified, or a conflict, on a skill the local side never
 * edited, or a conflict naming a field it never edited as changed on both sides, is reported
 * too: it would hide a divergence behind the exception.
 */
export function catalogueInvariant(
  local: ReadonlyMap<string, CachedSkill>,
  remote: readonly RemoteSkill[],
  conflicts: readonly ConflictRecord[],
  /** skill id → the fields the local side edited. */
  editedLocally: ReadonlyMap<string, ReadonlySet<string>>,
): Checked {
  const problems: string[] = [];
  let checks = 0;
  const add = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const open = new Set(conflicts.filter((c) => c.status === 'unresolved').map((c) => c.entity_id));
  for (const c of conflicts) {
    const edited = editedLocally.get(c.entity_id);
    if (!edited) {
      add(`${c.entity_id}: conflict #${c.id} (${c.conflict_type}, ${c.status}) on a skill the local side never edited`);
      continue;
    }
    // a field the local side never touched cannot have been changed on both sides
    const clashing = (JSON.parse(c.fields || '[]') as string[]).filter((f) => !edited.has(f));
    if (clashing.length > 0) add(`${c.entity_id}: conflict #${c.id} (${c.status}) says both sides changed ${clashing.join(', ')}, but the local side only edited ${[...edited].join(', ')}`);
  }
  const keepLocal = (id: string, row: CachedSkill | undefined) => open.has(id) || (row !== undefined && row.local_modified_at !== null);
  for (const row of local.values()) {
    if (row.local_modified_at !== null && !editedLocally.has(row.skill_id)) add(`${row.skill_id}: marked locally modified (${row.local_modified_at}) but the local side never edited it`);
  }
  const remoteIds = new Set<string>();
  for (const skill of remote) {
    checks++;
    remoteIds.add(skill.skill_id);
    const row = local.get(skill.skill_id);
    if (!row) {
      add(`${skill.skill_id}: on the remote (v${skill.version} @${skill.updated_at}) but missing locally`);
      continue;
    }
    if (keepLocal(skill.skill_id, row)) continue;
    const cached = parse(row.payload);
    if (!cached) {
      add(`${skill.skill_id}: cached payload is not a JSON object`);
      continue;
    }
    const diff = payloadDiff(cached, skill);
    if (diff.length > 0) {
      const f = diff[0]!;
      add(`${skill.skill_id}: cached payload differs from the remote in ${diff.join(', ')} (${f}: ${contrast(cached[f], (skill as Record<string, unknown>)[f])})`);
      continue;
    }
    const columns: Array<[string, unknown, unknown]> = [
      ['name', row.name, skill.name],
      ['description', row.description, skill.description ?? null],
      ['version', row.version, skill.version ?? null],
    ];
    const bad = columns.filter(([, a, b]) => a !== b);
    if (bad.length > 0) add(`${skill.skill_id}: column ${bad.map(([c, a, b]) => `${c} ${short(a)} ≠ remote ${short(b)}`).join(', ')}`);
    else if (!sameStamp(row.remote_updated_at, skill.updated_at ?? null)) add(`${skill.skill_id}: remote_updated_at ${row.remote_updated_at} ≠ remote ${skill.updated_at}`);
  }
  for (const row of local.values()) {
    if (remoteIds.has(row.skill_id)) continue;
    checks++;
    if (!keepLocal(row.skill_id, row)) add(`${row.skill_id}: cached locally (v${row.version}) but deleted on the remote`);
  }
  return { problems, checks };
}

/**
 * 2. Every (skill, user) pair rated locally is stored on the remote exactly once, holding the
 * newest local value; nothing pending or dead-lettered once the faults are lifted.
 */
export function ratingsInvariant(
  expected: readonly LocalRating[],
  received: EmulatorRatingsResponse,
  engine: { pending: number; failedUploads: number; firstFailure: string | null },
  remoteLive: ReadonlySet<string>,
): Checked {
  const problems: string[] = [];
  let checks = 0;
  const add = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const stored = new Map<string, EmulatorRatingsResponse['items']>();
  for (const item of received.items) {
    const key = pairKey(item.skill_id, item.user_id);
    stored.set(key, [...(stored.get(key) ?? []), item]);
  }
  if (received.duplicates.length > 0) add(`the remote stored these keys more than once: ${received.duplicates.slice(0, 6).join(', ')}`);
  const localKeys = new Set<string>();
  for (const want of expected) {
    const key = pairKey(want.skillId, want.userId);
    localKeys.add(key);
    // a rating for a skill the remote no longer has is rightly refused (listing churn may delete a rated one)
    if (!remoteLive.has(want.skillId)) continue;
    checks++;
    const items = stored.get(key) ?? [];
    if (items.length === 0) {
      add(`${key}: rated locally (${want.rating}, op ${want.op}) but never stored on the remote`);
      continue;
    }
    if (items.length > 1) add(`${key}: stored ${items.length} times on the remote (${items.map((i) => `${i.rating_id}=${i.rating}`).join(', ')})`);
    const newest = items[items.length - 1]!;
    if (newest.rating !== want.rating || (newest.comment ?? null) !== want.comment) {
      add(`${key}: the remote holds ${newest.rating} "${newest.comment}", the newest local value is ${want.rating} "${want.comment}" (op ${want.op})`);
    }
  }
  for (const [key, items] of stored) {
    if (!localKeys.has(key) && key.split('|')[1]!.startsWith('local-user-')) add(`${key}: stored on the remote (${items.length}×) but never rated locally`);
  }
  checks += 2;
  if (engine.pending > 0) add(`${engine.pending} local rating(s) still pending after the faults were lifted`);
  if (engine.failedUploads > 0) add(`${engine.failedUploads} failed upload(s) after the faults were lifted (first: ${engine.firstFailure})`);
  return { problems, checks };
}

function currentValue(row: CachedSkill | undefined, field: LocalEdit['field']): unknown {
  if (!row) return undefined;
  if (field === 'description') return row.description;
  return parse(row.payload)?.code;
}

/**
 * 3. Every local edit (the newest per skill and field) is still in the row, or held by an open
 * conflict, or was given up by a recorded resolution after it: remote_wins, or a merge choosing
 * the remote side for that field (later remote changes to it then apply as to any field). Else
 * local_wins and merges keeping the local side must have kept it.
 * A critical field (code) is never given up by an automatic resolution.
 */
export function editsInvariant(edits: readonly LocalEdit[], local: ReadonlyMap<string, CachedSkill>, conflicts: readonly ConflictRecord[]): Checked {
  const problems: string[] = [];
  const add = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  for (const edit of edits) {
    const where = `${edit.skillId} ${edit.field} edit of op ${edit.op}`;
    const row = local.get(edit.skillId);
    const now = currentValue(row, edit.field);
    if (now === edit.value) continue;
    const mine = conflicts.filter((c) => c.entity_id === edit.skillId);
    const open = mine.find((c) => c.status === 'unresolved');
    const after = mine
      .filter((c) => c.status === 'resolved' && c.strategy !== null && c.resolved_at !== null && Date.parse(c.resolved_at) >= Date.parse(edit.at))
      .sort((a, b) => Date.parse(a.resolved_at!) - Date.parse(b.resolved_at!) || a.id - b.id);
    const last = after[after.length - 1];
    const automatic = (c: ConflictRecord) => (c.resolved_by ?? '').startsWith('auto');
    const choiceOf = (c: ConflictRecord) => (parse(c.resolution)?.choices as Record<string, unknown> | undefined)?.[edit.field];
    const gaveUp = (c: ConflictRecord) => c.strategy === 'remote_wins' || (c.strategy === 'merge' && choiceOf(c) !== undefined && choiceOf(c) !== 'local');
    // Once a recorded choice gave the edit up, what the remote changed later is the remote's to set.
    const givenUp = after.find(gaveUp);
    if (givenUp) {
      if (automatic(givenUp) && edit.field === 'code') {
        add(`${where}: a critical local change given up by an automatic ${givenUp.strategy} (conflict #${givenUp.id}, ${givenUp.severity})`);
      }
      continue;
    }
    if (open) {
      if (!row && parse(open.local)?.[edit.field] === edit.value) continue;
      // Resolved once before this conflict opened, and kept then: checked below like any other.
      if (!last) {
        add(`${where}: lost while conflict #${open.id} is open (the row holds ${short(now)})`);
        continue;
      }
    }
    if (!last) {
      add(`${where}: lost with no open conflict and no resolution after it (the row ${row ? `holds ${short(now)}` : 'is gone'})`);
      continue;
    }
    const choice = choiceOf(last);
    add(`${where}: conflict #${last.id} resolved ${last.strategy}${choice !== undefined ? ` (${edit.field}: ${short(choice)})` : ''} by ${last.resolved_by}, yet the row ${row ? `holds ${short(now)}` : 'is gone'}`);
  }
  return { problems, checks: edits.length };
}
