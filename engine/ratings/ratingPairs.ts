/**
 * The remote keeps one rating per (skill, user). Before local rows are sent: a row that a newer
 * local row for its pair replaced is marked uploaded as superseded (never sent, never left
 * pending), and a row whose pair already has a remote id (from an earlier local row or a
 * downloaded one) takes that id, so it goes as an update rather than a second create.
 * Runs inside the store worker, within the transaction of the RatingStore unit that calls it.
 */
import type { FailedUploadsRepo } from '../store/failedUploadsRepo.js';
import type { RatingRow, RatingsRepo } from '../store/ratingsRepo.js';

export class RatingPairs {
  constructor(
    private readonly ratings: RatingsRepo,
    private readonly failed: FailedUploadsRepo,
  ) {}

  /** Supersedes the older unsent rows among one keyset page of rows in `status` that share their pair. */
  sweepPage(status: 'pending' | 'failed', after: string, pageSize: number, now: string): { superseded: number; next: string | null } {
    const page = this.ratings.withSiblingsPage(status, after, pageSize);
    let superseded = 0;
    for (const row of page) if (this.supersedeIfOlder(row, now)) superseded++;
    return { superseded, next: page.length > 0 ? page[page.length - 1]!.id : null };
  }

  /** The rows of a page still worth sending, as they are now. */
  prepare(rows: readonly RatingRow[], now: string): RatingRow[] {
    const ready: RatingRow[] = [];
    for (const row of rows) {
      if (this.supersedeIfOlder(row, now)) continue;
      if (row.remote_rating_id === null) {
        const known = this.ratings.pairRemoteId(row.skill_id, row.user_id);
        if (known !== undefined) this.ratings.setRemoteId(row.id, known);
      }
      const current = this.ratings.get(row.id);
      if (current && current.origin === 'local' && current.sync_status !== 'uploaded') ready.push(current);
    }
    return ready;
  }

  private supersedeIfOlder(row: RatingRow, now: string): boolean {
    const newest = this.ratings.newestOfPair(row.skill_id, row.user_id);
    if (newest === undefined || newest === row.id) return false;
    if (!this.ratings.markSuperseded(row.id, newest)) return false;
    this.failed.resolveForRating(row.id, now);
    return true;
  }
}
