import pLimit from 'p-limit';
import type { RunContext } from './runContext.js';
import { mergeTally } from './skillApplier.js';

/** Requests in flight at once when skills are checked one by one. */
const VERIFY_CONCURRENCY = 8;
/** Skills checked per transaction. */
const VERIFY_CHUNK = 64;

/**
 * Asks the remote for each skill by id and applies the answers, a chunk per transaction: a skill
 * still served is applied, a 404 is the proof of a deletion (a deletion conflict when locally
 * modified), and a malformed answer keeps the row as it is and lists it as invalid.
 * Returns how many were checked.
 */
export async function verifySkills(ctx: RunContext, ids: readonly string[], onChunk?: (checked: number) => void): Promise<number> {
  const limit = pLimit(VERIFY_CONCURRENCY);
  let checked = 0;
  for (let i = 0; i < ids.length; i += VERIFY_CHUNK) {
    const chunk = ids.slice(i, i + VERIFY_CHUNK);
    const lookups = await Promise.all(chunk.map((id) => limit(async () => ({ id, lookup: await ctx.client.getSkill(id, ctx.signal) }))));
    mergeTally(ctx.tally, await ctx.store.write.catalogue.applyLookups(lookups, ctx.stamp()));
    checked += chunk.length;
    onChunk?.(checked);
  }
  return checked;
}
