/**
 * Applies one resolution strategy to one conflict. Runs no transaction of its own: the caller
 * wraps it (the API path) or is already inside one (detection with an automatic strategy).
 */
import type { ResolutionStrategy, ResolveResponse } from '../contracts/localHttpApi.js';
import type { RemoteSkill } from '../contracts/remote.js';
import { conflictState } from '../errors.js';
import type { ConflictRow, ConflictsRepo } from '../store/conflictsRepo.js';
import { localView } from './localView.js';
import type { SkillRow, SkillsRepo } from '../store/skillsRepo.js';
import { parseRecord } from './conflictViews.js';
import { applyChoices, checkChoiceFields, type RawChoices } from './mergeChoices.js';
import { sameContent, threeWayMerge, type JsonObject } from './threeWayMerge.js';

export interface ResolutionDeps {
  conflicts: ConflictsRepo;
  skills: SkillsRepo;
  /** A synced_at stamp later than the row's own, so the local-edit trigger never mistakes our write. */
  stamp: (row: SkillRow | undefined) => string;
}

const asSkill = (record: JsonObject) => record as unknown as RemoteSkill;

export function applyResolution(
  deps: ResolutionDeps,
  conflict: ConflictRow,
  strategy: ResolutionStrategy,
  choices: RawChoices | undefined,
  resolvedBy: string,
  now: string,
): ResolveResponse {
  if (conflict.status === 'resolved') {
    throw conflictState(
      'already_resolved',
      `Conflict ${conflict.id} was already resolved (${conflict.strategy ?? 'unknown'} by ${conflict.resolved_by ?? 'unknown'} at ${conflict.resolved_at ?? 'unknown'}); nothing to do.`,
    );
  }
  const skillId = conflict.entity_id;
  const row = deps.skills.get(skillId);
  const base = parseRecord(conflict.base) ?? {};
  // The local Atom may have edited the row since detection: resolve against what it holds now.
  const local: JsonObject | null = row ? (localView(row) as JsonObject) : parseRecord(conflict.local);
  const remote = parseRecord(conflict.remote);
  const stamp = deps.stamp(row);
  let newBase: JsonObject | null = remote;

  if (remote === null) {
    // deleted_remotely: keep the row, or let the deletion through.
    if (strategy === 'merge') {
      throw conflictState(
        'merge_not_possible',
        'The remote deleted this skill, so there is nothing to merge; use local_wins to keep it or remote_wins to delete it.',
        { fields: [] },
      );
    }
    if (strategy === 'remote_wins') {
      deps.skills.deleteAny(skillId);
      newBase = null;
    } else if (row) {
      // The row stays as the local Atom has it; the base stays the last version both sides agreed
      // on, so if the remote lists the skill again its changes merge against that, or clash.
      deps.skills.setBase(skillId, asSkill(base), stamp);
      newBase = base;
    }
  } else if (strategy === 'remote_wins') {
    deps.skills.writeResolved(asSkill(remote), asSkill(remote), null, stamp);
  } else if (strategy === 'local_wins' && conflict.conflict_type === 'version_regression') {
    // The newer version we hold stays whole; the remote becomes the agreed base so it is not detected again.
    if (row) deps.skills.setBase(skillId, asSkill(remote), stamp);
    else if (local) deps.skills.writeResolved(asSkill({ ...local, skill_id: skillId }), asSkill(remote), now, stamp);
  } else if (strategy === 'local_wins') {
    // The local edits win where both sides changed a field; what only the remote changed still
    // applies, so fields the local side never touched do not go stale against the new base.
    const merged = threeWayMerge(base, local ?? {}, remote).merged;
    merged.skill_id = skillId;
    const modifiedAt = sameContent(merged, remote) ? null : (row?.local_modified_at ?? now);
    deps.skills.writeResolved(asSkill(merged), asSkill(remote), modifiedAt, stamp);
  } else {
    const current = local ?? {};
    checkChoiceFields(choices ?? {}, base, current, remote);
    const result = applyChoices(threeWayMerge(base, current, remote), current, remote, choices);
    result.skill_id = skillId;
    // A result that still differs from the remote keeps the local-edit mark, so it stays protected.
    const modifiedAt = sameContent(result, remote) ? null : (row?.local_modified_at ?? now);
    deps.skills.writeResolved(asSkill(result), asSkill(remote), modifiedAt, stamp);
  }

  const written = deps.skills.get(skillId);
  const applied = written ? (localView(written) as Record<string, unknown>) : null;
  const resolution = { strategy, applied, base: newBase, ...(choices && Object.keys(choices).length ? { choices } : {}) };
  if (!deps.conflicts.markResolved(conflict.id, { strategy, resolution: JSON.stringify(resolution), resolved_at: now, resolved_by: resolvedBy })) {
    throw conflictState('already_resolved', `Conflict ${conflict.id} was resolved meanwhile; reload it.`);
  }
  return { id: conflict.id, status: 'resolved', strategy, resolved_at: now, resolved_by: resolvedBy, applied };
}
