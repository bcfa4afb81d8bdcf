import type { RemoteSkill } from '../contracts/remote.js';
import { instant } from '../remote/keysetCursor.js';
import type { ItemErrorsRepo } from '../store/itemErrorsRepo.js';
import type { SkillRow, SkillsRepo } from '../store/skillsRepo.js';
import type { TombstonesRepo } from '../store/tombstonesRepo.js';
import type { ConflictDetector } from '../services.js';
import { isVersionAdvance, isVersionRegression } from '../domain/versions.js';

/**
 * `unchanged`: the same version we hold (an overlap or a second listing pass);
 * `stale`: older than what we hold, or than the skill's deletion (a page fetched before a newer frame).
 */
export type ApplyOutcome = 'inserted' | 'updated' | 'unchanged' | 'stale' | 'conflict' | 'merged' | 'deleted' | 'absent';

export interface ApplyTally {
  inserted: number;
  updated: number;
  unchanged: number;
  stale: number;
  conflicts: number;
  merged: number;
  deleted: number;
  /** Items skipped as invalid (listed in sync_item_errors, tried again next run). */
  skipped: number;
}

export const emptyTally = (): ApplyTally => ({ inserted: 0, updated: 0, unchanged: 0, stale: 0, conflicts: 0, merged: 0, deleted: 0, skipped: 0 });

const TALLY_KEY: Record<ApplyOutcome, keyof ApplyTally | null> = {
  inserted: 'inserted',
  updated: 'updated',
  unchanged: 'unchanged',
  stale: 'stale',
  conflict: 'conflicts',
  merged: 'merged',
  deleted: 'deleted',
  absent: null,
};

export function addToTally(tally: ApplyTally, outcome: ApplyOutcome): void {
  const key = TALLY_KEY[outcome];
  if (key) tally[key]++;
}

/** Adds what one unit of work did to the run's tally. */
export function mergeTally(into: ApplyTally, from: ApplyTally): void {
  for (const key of Object.keys(into) as (keyof ApplyTally)[]) into[key] += from[key];
}

/** Rows the run changed (what `items` reports). */
export function changedItems(tally: ApplyTally): number {
  return tally.inserted + tally.updated + tally.deleted + tally.conflicts + tally.merged;
}

/** The coarsest server clock we allow for: stamps this close are not ordered. */
const COARSE_CLOCK_MS = 1000;

/** True when `incoming` is known to be older than `held` (unknown times never count as older). */
function olderThan(incoming: string | null | undefined, held: string | null | undefined): boolean {
  return instant(incoming) < instant(held);
}

/**
 * Applies one remote change to the local cache, the same way for listings and socket frames.
 * Runs inside the caller's transaction. Nothing older than the stored `remote_updated_at`, or than
 * a recorded deletion, is applied. A row the local Atom modified, a row with an open conflict, or
 * a version going backwards goes to the conflict path instead of being overwritten.
 */
export class SkillApplier {
  constructor(
    private readonly skills: SkillsRepo,
    private readonly tombstones: TombstonesRepo,
    private readonly itemErrors: ItemErrorsRepo,
    private readonly conflicts: ConflictDetector,
  ) {}

  /** `payloadJson` is the skill as JSON when the caller has it already (made off the store thread). */
  applySkill(skill: RemoteSkill, stamp: string, payloadJson: string = JSON.stringify(skill)): ApplyOutcome {
    const probe = this.skills.probe(skill.skill_id, payloadJson);
    this.itemErrors.clear('skills', skill.skill_id);
    if (!probe) {
      const deletedAt = this.tombstones.deletedAt(skill.skill_id);
      if (deletedAt !== undefined) {
        // Deleted at or after this version: a page fetched before the deletion must not bring it back.
        const version = instant(skill.updated_at);
        if (!Number.isNaN(version) && version <= instant(deletedAt)) return 'stale';
        this.tombstones.clear(skill.skill_id);
      }
      this.skills.upsertRemote(skill, stamp, payloadJson);
      return 'inserted';
    }
    // Seen by this listing whatever the outcome, so the sweep does not take it for a remote deletion.
    // An older stamp is stale, unless it carries a higher version: a server whose clock stepped back.
    if (olderThan(skill.updated_at, probe.remote_updated_at) && !isVersionAdvance(skill.version, probe.version)) {
      this.skills.touch(skill.skill_id, stamp);
      return 'stale';
    }
    const protectedRow = probe.local_modified_at !== null || this.conflicts.hasOpen(skill.skill_id);
    if (probe.same === 1 && !protectedRow) {
      this.skills.touch(skill.skill_id, stamp);
      return 'unchanged';
    }
    if (protectedRow || isVersionRegression(skill.version, probe.version)) {
      const outcome = this.conflicts.onRemoteUpdate(this.row(skill.skill_id), skill, stamp);
      this.skills.touch(skill.skill_id, stamp);
      return outcome === 'conflict' ? 'conflict' : outcome === 'merged' ? 'merged' : 'updated';
    }
    this.skills.upsertRemote(skill, stamp, payloadJson);
    return 'updated';
  }

  /**
   * A remote deletion, at `deletedAt` (remote time) when the remote says when; otherwise (a 404)
   * it is dated by the last version we hold, so only a newer version can bring the skill back.
   */
  applyDelete(skillId: string, stamp: string, deletedAt: string | null): ApplyOutcome {
    const probe = this.skills.probe(skillId, null);
    this.itemErrors.clear('skills', skillId);
    if (!probe) {
      // Not cached yet: remember the deletion, so a listing page already in flight cannot insert it.
      const known = this.tombstones.deletedAt(skillId);
      if (deletedAt !== null && (known === undefined || olderThan(known, deletedAt))) this.tombstones.record(skillId, deletedAt, stamp);
      return 'absent';
    }
    // A deletion older than the version we hold: the skill was re-created since. A whole-second
    // server clock may stamp a deletion just before the update it follows, so within a second it counts.
    if (deletedAt !== null && instant(deletedAt) + COARSE_CLOCK_MS < instant(probe.remote_updated_at)) return 'stale';
    if (probe.local_modified_at !== null || this.conflicts.hasOpen(skillId)) {
      const outcome = this.conflicts.onRemoteDelete(this.row(skillId), stamp);
      return outcome === 'conflict' ? 'conflict' : 'deleted';
    }
    this.skills.deleteUnmodified(skillId);
    this.tombstones.record(skillId, deletedAt ?? probe.remote_updated_at ?? stamp, stamp, probe.synced_at);
    return 'deleted';
  }

  /** A listed item that failed validation: kept as it is locally, marked seen, listed for a retry. */
  skipInvalid(skillId: string, reason: string, stamp: string): void {
    this.itemErrors.record('skills', skillId, reason, stamp);
    this.skills.touch(skillId, stamp);
  }

  private row(skillId: string): SkillRow {
    return this.skills.get(skillId)!;
  }
}
