import { ExtensionMissingError } from '../errors.js';
import { advances, keysetSince, withOverlap } from '../remote/keysetCursor.js';
import type { SaveProgress } from './catalogueStore.js';
import { applyPage } from './pageWriter.js';
import { lastById, PageTracker, type ListingOutcome, type RunContext } from './runContext.js';

const MAX_PAGES = 1_000_000;
/**
 * The stored cursor is moved back this far before asking: a server whose clock lags or whose
 * writes commit out of stamp order may stamp a change just before the cursor it handed out.
 * What comes back twice is recognised by the applier (same version: nothing written).
 */
export const CURSOR_OVERLAP_MS = 5_000;

/** The remote cannot list changes (no `updated_since`): the caller falls back to a full listing. */
export const NEEDS_FULL = Symbol('needs-full');

/** Where a keyset listing stands: changes after `since`, and the page number under it (1 unless stepping through tied rows). */
export interface KeysetPosition {
  since: string;
  page: number;
}

/**
 * Fetches what changed after the stored cursor, keyset-paged. Each page is one transaction that
 * also moves the cursor.
 */
export function runIncrementalListing(ctx: RunContext, cursor: string): Promise<ListingOutcome | typeof NEEDS_FULL> {
  return runKeysetListing(ctx, { since: withOverlap(cursor, CURSOR_OVERLAP_MS), page: 1 }, (next, finalCursor) => {
    const moved = finalCursor ?? (next.page === 1 ? next.since : null);
    return moved !== null ? { cursor: moved } : null;
  });
}

/**
 * Lists what changed after a position, keyset-paged: each next request starts after what was
 * applied, so rows changing during the run cannot shift pages under us (as offset pages do). A
 * page that does not advance the keyset (a page of tied stamps, or a server filtering with >=) is
 * stepped through by page number under the same cursor, so a run never spins. `progressAt` names
 * what each page saves with its rows, given where the next page starts (and the server's cursor
 * after the last page).
 */
export async function runKeysetListing(
  ctx: RunContext,
  start: KeysetPosition,
  progressAt: (next: KeysetPosition, finalCursor: string | null) => SaveProgress | null,
): Promise<ListingOutcome | typeof NEEDS_FULL> {
  const { client, batchSize, signal } = ctx;
  let { since, page } = start;
  let done = 0;
  let total: number | null = null;
  let tracker = new PageTracker();

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
    const finalPage = tracker.page(page, result.received, result.total);
    const stamps = [...skills.map((s) => s.updated_at ?? ''), ...tombstones.map((t) => t.updated_at)].filter((t) => t !== '');
    const keyset = keysetSince(stamps);
    const next: KeysetPosition = !finalPage && advances(keyset, since) ? { since: keyset!, page: 1 } : { since, page: page + 1 };
    await applyPage(ctx, { skills, tombstones, invalid: result.invalid }, progressAt(next, finalPage ? result.cursor : null));
    done += skills.length + tombstones.length;
    ctx.progress('skills', done, total !== null ? Math.max(total, done) : null);

    if (finalPage) return { items: done, cursor: result.cursor };
    if (next.page === 1) tracker = new PageTracker({ ...tracker.state(), first_total: null });
    since = next.since;
    page = next.page;
  }
  return { items: done, cursor: since };
}
