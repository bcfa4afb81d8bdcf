/**
 * An update the remote refused as older ("newest timestamp wins") although the value it holds is
 * our own earlier write. That happens when the server's stamps run ahead of its own clock (it was
 * set back, and its stamps never go backwards): no estimate of its clock from Date headers can
 * reach them. The refusal itself (or else the remote's rating listing) tells us the stamp to beat. Only our own earlier write is
 * overridden this way; a value someone else wrote keeps its stamp's verdict. What we wrote is
 * known from this process's memory and, so that it survives a restart, from the local rows of the
 * pair the store holds as uploaded.
 */
import type { RemoteRating } from '../contracts/remote.js';
import { ExtensionMissingError } from '../errors.js';
import { instant } from '../remote/keysetCursor.js';
import type { MarketplaceClient } from '../remote/types.js';
import { isLastPage } from './ratingDownloader.js';

export interface HeldValue {
  rating: number;
  comment: string | null;
}

/** Pairs kept in memory: the recent writes that a quick re-rating may follow. */
const MEMORY = 10_000;
const SEARCH_PAGES = 4;
const SEARCH_PAGE_SIZE = 500;
/** How far before our refused stamp the listing is read: the stored stamp is later than it. */
const SEARCH_MARGIN_MS = 2_000;

const pairKey = (skillId: string, userId: string) => `${skillId}\u0000${userId}`;

/** What the remote acknowledged holding for each pair, from this process's own writes. */
export class OwnWrites {
  private readonly held = new Map<string, HeldValue>();

  remember(skillId: string, userId: string, value: HeldValue): void {
    const key = pairKey(skillId, userId);
    this.held.delete(key);
    this.held.set(key, { rating: value.rating, comment: value.comment });
    if (this.held.size > MEMORY) this.held.delete(this.held.keys().next().value!);
  }

  get(skillId: string, userId: string): HeldValue | undefined {
    return this.held.get(pairKey(skillId, userId));
  }
}

/**
 * For each pair, the values of its local rows that went to the remote and were acknowledged (or
 * sent without a recorded answer), newest first, a few at most: one store read for all pairs.
 */
export interface OwnUploads {
  uploadedValues(pairs: ReadonlyArray<{ skill_id: string; user_id: string }>): Promise<HeldValue[][]>;
}

export const sameValue = (a: HeldValue, b: HeldValue) => a.rating === b.rating && (a.comment ?? null) === (b.comment ?? null);

/**
 * The remote's current rating `ratingId`, looked up in its listing of ratings changed after
 * `sinceLocal` (a local stamp, moved onto the server's clock and back by a margin); null when the
 * remote cannot list ratings or it is not among the first pages.
 */
export async function findHeldRating(client: MarketplaceClient, ratingId: string, sinceLocal: string): Promise<RemoteRating | null> {
  const t = instant(sinceLocal);
  if (Number.isNaN(t)) return null;
  const since = new Date(t + (client.serverClockOffsetMs() ?? 0) - SEARCH_MARGIN_MS).toISOString();
  for (let page = 1; page <= SEARCH_PAGES; page++) {
    let listed;
    try {
      listed = await client.listRatings({ updatedSince: since, page, pageSize: SEARCH_PAGE_SIZE });
    } catch (error) {
      if (error instanceof ExtensionMissingError) return null;
      throw error;
    }
    const found = listed.ratings.find((r) => r.rating_id === ratingId);
    if (found) return found;
    if (isLastPage(listed, page)) return null;
  }
  return null;
}
