import { isoNow } from '../clock.js';
import type { RemoteSkill, RemoteSkillTombstone } from '../contracts/remote.js';
import type { InvalidItem } from '../remote/types.js';
import type { SaveProgress } from './catalogueStore.js';
import type { RunContext } from './runContext.js';
import { mergeTally } from './skillApplier.js';

export interface PageContent {
  skills: readonly RemoteSkill[];
  tombstones: readonly RemoteSkillTombstone[];
  invalid: readonly InvalidItem[];
  /** Each skill as JSON, in the same order: made here so the store thread does not have to. */
  payloads?: readonly string[];
}

/**
 * Writes one listing page in one transaction together with the progress it allows (cursor or
 * resume point): a crash leaves the store at a page boundary. Returns how many invalid items are
 * not cached (so not marked seen).
 */
export async function applyPage(
  ctx: Pick<RunContext, 'store' | 'stamp' | 'tally' | 'clock'>,
  page: PageContent,
  progress: SaveProgress | null,
): Promise<{ invalidUncached: number }> {
  const content: PageContent = { ...page, payloads: page.skills.map((skill) => JSON.stringify(skill)) };
  const result = await ctx.store.write.catalogue.applyPage(content, progress, ctx.stamp(), isoNow(ctx.clock));
  mergeTally(ctx.tally, result.tally);
  return { invalidUncached: result.invalidUncached };
}
