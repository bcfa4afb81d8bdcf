/**
 * Decides what a remote change means for a skill that must not simply be overwritten (pure:
 * the service carries the decision out). Base = the last remote version both sides agreed on.
 */
import type { Severity } from '../contracts/localHttpApi.js';
import type { RemoteSkill } from '../contracts/remote.js';
import type { ConflictRow, ConflictState } from '../store/conflictsRepo.js';
import { localView } from './localView.js';
import type { SkillRow } from '../store/skillsRepo.js';
import { isVersionRegression } from '../domain/versions.js';
import { parseRecord } from './conflictViews.js';
import { highestSeverity } from './severity.js';
import { changedFields, sameContent, sameJson, threeWayMerge, type JsonObject } from './threeWayMerge.js';

export type UpdateDecision =
  /** Nothing new: the remote is the base already, or the open conflict holds this very remote. */
  | { kind: 'unchanged' }
  /** No clash: write `merged` (the remote becomes the base). */
  | { kind: 'merge'; merged: JsonObject; localModifiedAt: string | null }
  | ConflictFound;

/** A clash worth recording; `localSeverity` is what a remote_wins would throw away of the local edits. */
export interface ConflictFound {
  kind: 'conflict';
  state: ConflictState;
  clashes: string[];
  localSeverity: Severity;
}

export type DeleteDecision = { kind: 'unchanged' } | { kind: 'conflict'; state: ConflictState };

/**
 * The agreed base: stored once the row diverged, else the payload itself.
 * A base that does not parse as an object is taken as empty, so every field both sides hold
 * with different values clashes rather than a remote value silently replacing a local one.
 */
function baseOf(row: SkillRow): JsonObject {
  return parseRecord(row.base_payload ?? row.payload) ?? {};
}

export function decideUpdate(row: SkillRow, remote: RemoteSkill, open: ConflictRow | undefined, now: string): UpdateDecision {
  const remoteRecord = remote as JsonObject;
  const base = baseOf(row);
  if (open ? sameJson(parseRecord(open.remote), remoteRecord) : sameJson(base, remoteRecord)) return { kind: 'unchanged' };

  const local = localView(row) as JsonObject;
  const merge = threeWayMerge(base, local, remoteRecord);
  const regression = isVersionRegression(remote.version, base.version ?? local.version);
  if (!regression && merge.clashes.length === 0) {
    const localModifiedAt = sameContent(merge.merged, remoteRecord) ? null : (row.local_modified_at ?? now);
    return { kind: 'merge', merged: merge.merged, localModifiedAt };
  }
  return {
    kind: 'conflict',
    clashes: merge.clashes,
    localSeverity: highestSeverity(merge.localChanged),
    state: {
      conflict_type: regression ? 'version_regression' : 'both_modified',
      severity: regression ? highestSeverity(merge.localChanged, 'high') : highestSeverity(merge.clashes),
      base: row.base_payload ?? row.payload,
      local: JSON.stringify(local),
      remote: JSON.stringify(remote),
      fields: JSON.stringify(merge.clashes),
    },
  };
}

/**
 * A remote deletion of a locally modified row. Not recorded again when an open deletion
 * conflict exists, or when the last one was resolved by keeping the row and nothing changed since.
 */
export function decideDelete(row: SkillRow, open: ConflictRow | undefined, latest: ConflictRow | undefined): DeleteDecision {
  if (open?.conflict_type === 'deleted_remotely') return { kind: 'unchanged' };
  const base = baseOf(row);
  if (!open && latest?.conflict_type === 'deleted_remotely' && latest.strategy === 'local_wins') {
    const kept = parseRecord(latest.resolution)?.base;
    if (kept && typeof kept === 'object' && sameJson(kept, base)) return { kind: 'unchanged' };
  }
  const local = localView(row) as JsonObject;
  return {
    kind: 'conflict',
    state: {
      conflict_type: 'deleted_remotely',
      severity: highestSeverity(changedFields(base, local)),
      base: row.base_payload ?? row.payload,
      local: JSON.stringify(local),
      remote: null,
      fields: '[]',
    },
  };
}
