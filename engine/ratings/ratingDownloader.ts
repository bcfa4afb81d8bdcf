/**
 * Downloads other users' ratings (ext `GET /ratings?updated_since=`) into skill_ratings.
 *
 * Aggregates: a skill's `average_rating`/`rating_count` come from the remote itself (skill
 * payloads in listings, `rating_update` frames). Only for a cached skill whose payload carries no
 * aggregate are they recomputed here, from the ratings we hold; recomputing for every skill would
 * replace the remote's full-history figure with one over whatever subset we happen to hold.
 */
import { isoNow, type Clock } from '../clock.js';
import type { RemoteRating } from '../contracts/remote.js';
import { ExtensionMissingError } from '../errors.js';
import type { Logger } from '../log/index.js';
import type { MarketplaceClient } from '../remote/types.js';
import { writeTransaction, type Db } from '../store/database.js';
import type { RatingsRepo } from '../store/ratingsRepo.js';
import type { SkillsRepo } from '../store/skillsRepo.js';
import type { SyncStateRepo } from '../store/syncStateRepo.js';

export interface DownloaderDeps {
  db: Db;
  client: MarketplaceClient;
  ratings: RatingsRepo;
  skills: SkillsRepo;
  state: SyncStateRepo;
  clock: Clock;
  log: Logger;
  stamp: () => string;
  pageSize?: number;
}

const MAX_PAGES = 100_000;
const time = (iso: string) => (iso ? Date.parse(iso) : NaN);

/** The later of two cursors (null = none); unparseable stamps never move it. */
function later(a: string | null, b: string | null): string | null {
  if (b === null || Number.isNaN(time(b))) return a;
  if (a === null || Number.isNaN(time(a))) return b;
  return time(b) > time(a) ? b : a;
}

/**
 * The cursor a page allows: everything up to the newest stamp when the listing is complete,
 * otherwise only below the page's last stamp, since more ratings with that very stamp may
 * follow on the next page (the server filters strictly after the cursor).
 */
export function pageCursor(ratings: readonly RemoteRating[], previous: string | null, complete: boolean): string | null {
  let cursor = previous;
  const lastStamp = ratings.length ? time(ratings[ratings.length - 1]!.updated_at) : NaN;
  for (const r of ratings) {
    if (complete || time(r.updated_at) < lastStamp) cursor = later(cursor, r.updated_at);
  }
  return cursor;
}

export class RatingDownloader {
  private listMissing = false;
  private readonly pageSize: number;

  constructor(private readonly deps: DownloaderDeps) {
    this.pageSize = deps.pageSize ?? 500;
  }

  /** Returns how many ratings were stored, or null when the remote cannot list ratings. */
  async run(): Promise<number | null> {
    if (this.listMissing) return null;
    const { client, state, log } = this.deps;
    const since = state.get('ratings')?.cursor ?? null;
    let cursor = since;
    let stored = 0;
    for (let page = 1; page <= MAX_PAGES; page++) {
      let response;
      try {
        response = await client.listRatings({ updatedSince: since, page, pageSize: this.pageSize });
      } catch (error) {
        if (!(error instanceof ExtensionMissingError)) throw error;
        this.listMissing = true;
        log.warn('the remote cannot list ratings; other users\' ratings arrive only as skill aggregates', { status: error.status ?? undefined });
        return null;
      }
      const { ratings } = response;
      const complete =
        ratings.length === 0 ||
        (response.total_pages !== undefined ? page >= response.total_pages : page * Math.max(1, response.page_size) >= response.total);
      const next = pageCursor(ratings, cursor, complete);
      stored += this.store(ratings, next !== cursor ? next : null);
      cursor = next;
      if (complete) break;
    }
    return stored;
  }

  /** One page in one transaction, with the cursor it allows. */
  private store(ratings: readonly RemoteRating[], cursor: string | null): number {
    const { db, ratings: repo, skills, state, clock } = this.deps;
    return writeTransaction(db, () => {
      const own = repo.ownRemoteIds(ratings.map((r) => r.rating_id));
      const touched = new Set<string>();
      let stored = 0;
      for (const rating of ratings) {
        if (own.has(rating.rating_id)) continue; // our own upload coming back
        repo.upsertRemote(rating);
        touched.add(rating.skill_id);
        stored++;
      }
      for (const skillId of touched) {
        if (repo.skillHasRemoteAggregate(skillId) !== false) continue;
        const held = repo.heldAggregate(skillId);
        skills.setRating(skillId, Math.round(held.average * 100) / 100, held.count);
      }
      if (cursor !== null) state.saveProgress('ratings', isoNow(clock), { cursor });
      return stored;
    });
  }
}
