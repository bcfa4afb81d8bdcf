import type { RemoteSkill } from '../contracts/remote.js';
import type { Db } from '../store/database.js';
import type { SkillRow, SkillsRepo } from '../store/skillsRepo.js';
import type { ConflictDetector } from '../services.js';
import { isVersionRegression } from './versions.js';

export type ApplyOutcome = 'inserted' | 'updated' | 'conflict' | 'merged' | 'deleted' | 'absent';

export interface ApplyTally {
  inserted: number;
  updated: number;
  conflicts: number;
  merged: number;
  deleted: number;
}

export const emptyTally = (): ApplyTally => ({ inserted: 0, updated: 0, conflicts: 0, merged: 0, deleted: 0 });

export function addToTally(tally: ApplyTally, outcome: ApplyOutcome): void {
  if (outcome === 'inserted') tally.inserted++;
  else if (outcome === 'updated') tally.updated++;
  else if (outcome === 'conflict') tally.conflicts++;
  else if (outcome === 'merged') tally.merged++;
  else if (outcome === 'deleted') tally.deleted++;
}

interface Probe {
  version: string | null;
  local_modified_at: string | null;
}

/**
 * Applies one remote change to the local cache, the same way for listings and socket frames.
 * Runs inside the caller's transaction. A row the local Atom modified, a row with an open
 * conflict, or a version going backwards goes to the conflict path instead of being overwritten.
 */
export class SkillApplier {
  private readonly probeStmt;

  constructor(
    db: Db,
    private readonly skills: SkillsRepo,
    private readonly conflicts: ConflictDetector,
  ) {
    this.probeStmt = db.prepare('SELECT version, local_modified_at FROM community_skills WHERE skill_id = ?');
  }

  applySkill(skill: RemoteSkill, stamp: string): ApplyOutcome {
    const probe = this.probeStmt.get(skill.skill_id) as Probe | undefined;
    if (!probe) {
      this.skills.upsertRemote(skill, stamp);
      return 'inserted';
    }
    if (probe.local_modified_at !== null || this.conflicts.hasOpen(skill.skill_id) || isVersionRegression(skill.version, probe.version)) {
      const outcome = this.conflicts.onRemoteUpdate(this.row(skill.skill_id), skill, stamp);
      // Seen by this listing whatever the outcome, so the sweep does not take it for a remote deletion.
      this.skills.touch(skill.skill_id, stamp);
      return outcome === 'conflict' ? 'conflict' : outcome === 'merged' ? 'merged' : 'updated';
    }
    this.skills.upsertRemote(skill, stamp);
    return 'updated';
  }

  applyDelete(skillId: string, stamp: string): ApplyOutcome {
    const probe = this.probeStmt.get(skillId) as Probe | undefined;
    if (!probe) return 'absent';
    if (probe.local_modified_at !== null || this.conflicts.hasOpen(skillId)) {
      const outcome = this.conflicts.onRemoteDelete(this.row(skillId), stamp);
      return outcome === 'conflict' ? 'conflict' : 'deleted';
    }
    this.skills.deleteUnmodified(skillId);
    return 'deleted';
  }

  private row(skillId: string): SkillRow {
    return this.skills.get(skillId)!;
  }
}
