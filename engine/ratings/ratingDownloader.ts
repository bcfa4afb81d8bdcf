/**
 * Downloads other users' ratings (ext `GET /ratings?updated_since=`) into skill_ratings.
 *
 * Aggregates: a skill's `average_rating`/`rating_count` come from the remote itself (skill
 * payloads in listings, `rating_update` frames). Only for a cached skill whose payload carries no
 * aggregate are they recomputed here, from the ratings we hold; recomputing for every skill would
 * replace the remote's full-history figure with one over whatever subset we happen to hold
 * (RatingStore.storeDownloadPage, in the store worker).
 */
import { isoNow, type Clock } from '../clock.js';
import { ExtensionMissingError } from '../errors.js';
import type { Logger } from '../log/index.js';
import { advances, keysetSince, laterStamp, withOverlap } from '../remote/keysetCursor.js';
import type { MarketplaceClient, RatingPage } from '../remote/types.js';
import type { RatingStoreCalls } from './ratingStore.js';

export interface DownloaderDeps {
  store: RatingStoreCalls;
  client: MarketplaceClient;
  clock: Clock;
  log: Logger;
  pageSize?: number;
}

const MAX_PAGES = 100_000;
/** Each run re-reads this far before the stored cursor: rows a lagging server stamped just before it. */
export const RATING_OVERLAP_MS = 2_000;

/** Whether this page ends the listing: by total_pages or total when the server gives them, else a short page. */
export function isLastPage(page: RatingPage, pageNumber: number): boolean {
  if (page.received === 0) return true;
  if (page.totalPages !== null) return pageNumber >= page.totalPages;
  if (page.total !== null) return (pageNumber - 1) * page.pageSize + page.received >= page.total;
  return page.received < page.pageSize;
}

export class RatingDownloader {
  private listMissing = false;
  private readonly pageSize: number;

  constructor(private readonly deps: DownloaderDeps) {
    this.pageSize = deps.pageSize ?? 500;
  }

  /**
   * Returns how many ratings were stored, or null when the remote cannot list ratings. Keyset
   * paged: each request asks for what changed after the last stamp applied, so ratings edited
   * during the download move to the end of the listing instead of shifting offset pages under
   * us; the page number only steps through a page whose rows all share one stamp.
   */
  async run(): Promise<number | null> {
    if (this.listMissing) return null;
    const { client, store, clock, log } = this.deps;
    let cursor = await store.read.downloadCursor();
    let since = cursor === null ? null : withOverlap(cursor, RATING_OVERLAP_MS);
    let page = 1;
    let stored = 0;
    let previous: ReadonlySet<string> = new Set();
    for (let guard = 0; guard < MAX_PAGES; guard++) {
      let response: RatingPage;
      try {
        response = await client.listRatings({ updatedSince: since, page, pageSize: this.pageSize });
      } catch (error) {
        if (!(error instanceof ExtensionMissingError)) throw error;
        this.listMissing = true;
        log.warn('the remote cannot list ratings; other users\' ratings arrive only as skill aggregates', { status: error.status ?? undefined });
        return null;
      }
      if (response.invalid > 0) log.warn('invalid ratings skipped in the listing', { count: response.invalid, page });
      const last = isLastPage(response, page);
      const stamps = response.ratings.map((r) => r.updated_at);
      // Below the page's newest stamp everything is here; at it, more rows may follow on the next page.
      const next = last ? stamps.reduce<string | null>(laterStamp, null) : keysetSince(stamps);
      const moved = laterStamp(cursor, next);
      // One page in one transaction, with the cursor it allows.
      stored += await store.write.storeDownloadPage(response.ratings, moved !== cursor ? moved : null, isoNow(clock));
      cursor = moved;
      if (last) break;
      const ids = new Set(response.ratings.map((r) => r.rating_id));
      if (ids.size > 0 && [...ids].every((id) => previous.has(id))) {
        log.warn('the rating listing sent the same page again; stopping this download', { page, updated_since: since ?? undefined });
        break;
      }
      previous = ids;
      if (advances(next, since)) {
        since = next;
        page = 1;
      } else {
        page++; // one stamp across the whole page (or no usable stamp): step through it by page number
      }
    }
    return stored;
  }
}
