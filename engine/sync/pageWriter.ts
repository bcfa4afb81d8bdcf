import type { RemoteSkill, RemoteSkillTombstone } from '../contracts/remote.js';
import type { InvalidItem } from '../remote/types.js';
import type { RunContext } from './runContext.js';
import { addToTally } from './skillApplier.js';

export interface PageContent {
  skills: readonly RemoteSkill[];
  tombstones: readonly RemoteSkillTombstone[];
  invalid: readonly InvalidItem[];
}

/**
 * Writes one listing page in one transaction together with the progress it allows (cursor or
 * resume point): a crash leaves the store at a page boundary. Invalid items are skipped, listed
 * and kept as they are locally; returns how many of them are not cached (so not marked seen).
 */
export function applyPage(ctx: Pick<RunContext, 'db' | 'applier' | 'skills' | 'stamp' | 'tally'>, page: PageContent, saveProgress: () => void): { invalidUncached: number } {
  const stamp = ctx.stamp();
  let invalidUncached = 0;
  ctx.db.transaction(() => {
    for (const skill of page.skills) addToTally(ctx.tally, ctx.applier.applySkill(skill, stamp));
    for (const t of page.tombstones) addToTally(ctx.tally, ctx.applier.applyDelete(t.skill_id, stamp, t.updated_at || null));
    for (const item of page.invalid) {
      ctx.tally.skipped++;
      if (item.skillId === null) {
        invalidUncached++;
        continue;
      }
      if (ctx.skills.get(item.skillId) === undefined) invalidUncached++;
      ctx.applier.skipInvalid(item.skillId, item.reason, stamp);
    }
    saveProgress();
  }).immediate();
  return { invalidUncached };
}
