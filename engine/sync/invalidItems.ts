import type { RunContext } from './runContext.js';
import { verifySkills } from './skillVerifier.js';

/** Invalid items asked for again per run: a remote that serves many broken items cannot stall a run. */
const RETRY_PER_RUN = 500;

/**
 * Skills the remote served malformed on an earlier run are asked for by id: one now valid is
 * applied (and leaves the list), a 404 removes it, one still malformed stays listed.
 */
export async function retryInvalidItems(ctx: RunContext): Promise<number> {
  const rows = await ctx.store.read.itemErrors.page('skills', '', RETRY_PER_RUN);
  if (rows.length === 0) return 0;
  ctx.progress('skills', 0, rows.length);
  const checked = await verifySkills(ctx, rows.map((r) => r.item_id), (n) => ctx.progress('skills', n, rows.length));
  ctx.log.info('asked again for skills the remote had sent malformed', { checked, still_invalid: await ctx.store.read.itemErrors.count('skills') });
  return checked;
}
