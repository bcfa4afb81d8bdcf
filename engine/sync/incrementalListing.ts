import { isoNow } from '../clock.js';
import { ExtensionMissingError } from '../errors.js';
import { addToTally } from './skillApplier.js';
import { isFinalPage, lastById, yieldToEventLoop, type ListingOutcome, type RunContext } from './runContext.js';

const MAX_PAGES = 1_000_000;

/** The remote cannot list changes (no `updated_since`): the caller falls back to a full listing. */
export const NEEDS_FULL = Symbol('needs-full');

/**
 * The largest `updated_at` on the page strictly below the page's last one: asking for changes
 * after it again can only re-fetch rows (harmless, writes are idempotent), never skip a row that
 * shares its timestamp with the page boundary. Null when the whole page has one timestamp.
 */
export function keysetSince(updatedAts: readonly string[]): string | null {
  if (updatedAts.length === 0) return null;
  const sorted = [...updatedAts].sort();
  const last = sorted[sorted.length - 1]!;
  for (let i = sorted.length - 2; i >= 0; i--) if (sorted[i]! < last) return sorted[i]!;
  return null;
}

/**
 * Fetches what changed after the stored cursor, keyset-paged (each next request starts after
 * what was applied, so rows changing during the run cannot shift pages under us). Each page is
 * one transaction that also moves the cursor.
 */
export async function runIncrementalListing(ctx: RunContext, cursor: string): Promise<ListingOutcome | typeof NEEDS_FULL> {
  const { client, state, batchSize, signal } = ctx;
  let since = cursor;
  let page = 1;
  let done = 0;
  let total: number | null = null;

  for (let guard = 0; guard < MAX_PAGES; guard++) {
    let result;
    try {
      result = await client.listSkills({ page, pageSize: batchSize, updatedSince: since }, signal);
    } catch (error) {
      if (error instanceof ExtensionMissingError) return NEEDS_FULL;
      throw error;
    }
    // A server without the extension ignores updated_since and sends its full listing, uncursored.
    if (result.cursor === null) return NEEDS_FULL;
    if (total === null) total = result.total;

    const skills = lastById(result.skills);
    const tombstones = lastById(result.tombstones);
    const finalPage = isFinalPage(page, result.received, result.pageSize, result.total, result.totalPages);
    const updatedAts = [...skills.map((s) => s.updated_at ?? ''), ...tombstones.map((t) => t.updated_at)].filter((t) => t !== '');
    const nextSince = finalPage ? result.cursor : keysetSince(updatedAts);
    const stamp = ctx.stamp();
    ctx.db.transaction(() => {
      for (const skill of skills) addToTally(ctx.tally, ctx.applier.applySkill(skill, stamp));
      for (const tombstone of tombstones) addToTally(ctx.tally, ctx.applier.applyDelete(tombstone.skill_id, stamp));
      if (nextSince !== null) state.saveProgress('skills', isoNow(ctx.clock), { cursor: nextSince });
    }).immediate();
    done += skills.length + tombstones.length;
    ctx.progress('skills', done, total !== null ? Math.max(total, done) : null);
    await yieldToEventLoop();

    if (finalPage || result.received === 0) return { items: done, cursor: result.cursor };
    if (nextSince === null) {
      page++; // a full page sharing one timestamp: step through it by page number
    } else {
      since = nextSince;
      page = 1;
    }
  }
  return { items: done, cursor: since };
}
