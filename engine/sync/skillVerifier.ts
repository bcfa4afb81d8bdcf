import pLimit from 'p-limit';
import type { RunContext } from './runContext.js';
import { addToTally } from './skillApplier.js';

/** Requests in flight at once when skills are checked one by one. */
const VERIFY_CONCURRENCY = 8;
/** Skills checked per transaction. */
const VERIFY_CHUNK = 64;

/**
 * Asks the remote for each skill by id and applies the answer: a skill still served is applied,
 * a 404 is the proof of a deletion (a deletion conflict when locally modified), and a malformed
 * answer keeps the row as it is and lists it as invalid. Returns how many were checked.
 */
export async function verifySkills(ctx: RunContext, ids: readonly string[], onChunk?: (checked: number) => void): Promise<number> {
  const limit = pLimit(VERIFY_CONCURRENCY);
  let checked = 0;
  for (let i = 0; i < ids.length; i += VERIFY_CHUNK) {
    const chunk = ids.slice(i, i + VERIFY_CHUNK);
    const lookups = await Promise.all(chunk.map((id) => limit(() => ctx.client.getSkill(id, ctx.signal))));
    const stamp = ctx.stamp();
    ctx.db.transaction(() => {
      chunk.forEach((id, n) => {
        const lookup = lookups[n]!;
        if (lookup.kind === 'skill') addToTally(ctx.tally, ctx.applier.applySkill(lookup.skill, stamp));
        else if (lookup.kind === 'missing') addToTally(ctx.tally, ctx.applier.applyDelete(id, stamp, null));
        else {
          ctx.applier.skipInvalid(id, lookup.reason, stamp);
          ctx.tally.skipped++;
        }
      });
    }).immediate();
    checked += chunk.length;
    onChunk?.(checked);
  }
  return checked;
}
