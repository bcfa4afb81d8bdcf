/**
 * Writes upload outcomes to the store: acknowledged ratings are marked uploaded, transient
 * failures wait with backoff, permanent ones (or too many attempts) go to the dead letter. A
 * local rating is never deleted here. Runs inside the store worker: each call is one
 * transaction, the RatingStore unit `recordOutcomes` (the uploader sends one per rating on the
 * one-by-one path, one per batch answer on the batch path).
 */
import { instant } from '../remote/keysetCursor.js';
import type { FailedUploadsRepo } from '../store/failedUploadsRepo.js';
import type { RatingRow, RatingsRepo } from '../store/ratingsRepo.js';
import { retryAt } from './ratingBackoff.js';
import type { UploadOutcome } from './ratingUploader.js';

export interface OutcomeTally {
  accepted: number;
  duplicate: number;
  rejected: number;
  failed: number;
  /** Ratings that moved to failed_rating_uploads (or stayed there) in this batch. */
  deadLettered: number;
}

export const emptyOutcomeTally = (): OutcomeTally => ({ accepted: 0, duplicate: 0, rejected: 0, failed: 0, deadLettered: 0 });

export interface RecorderOptions {
  maxAttempts: number;
  /** Backoff cap: the rating sync interval. */
  backoffCapMs: number;
}

/** The local Atom changed the rating while it was on its way: what was sent is not what is there now. */
export function changedSince(current: RatingRow, sent: RatingRow): boolean {
  return current.rating !== sent.rating || current.comment !== sent.comment || current.updated_at !== sent.updated_at;
}

/** Oldest first: by updated_at as an instant, then created_at, then id (the order "newest wins" reads). */
function byAge(a: RatingRow, b: RatingRow): number {
  return instant(a.updated_at) - instant(b.updated_at) || instant(a.created_at) - instant(b.created_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export class UploadRecorder {
  constructor(
    private readonly ratings: RatingsRepo,
    private readonly failed: FailedUploadsRepo,
  ) {}

  record(outcomes: readonly UploadOutcome[], nowMs: number, options: RecorderOptions): OutcomeTally {
    const tally = emptyOutcomeTally();
    const now = new Date(nowMs).toISOString();
    for (const outcome of outcomes) this.recordOne(outcome, nowMs, now, options, tally);
    return tally;
  }

  private recordOne(outcome: UploadOutcome, nowMs: number, now: string, options: RecorderOptions, tally: OutcomeTally): void {
    const row = this.ratings.get(outcome.row.id);
    if (!row || row.origin !== 'local') return;
    const learned = outcome.result === 'rejected' ? null : outcome.remoteRatingId;
    // Our write may have reached the remote, which stamps it with its own time: a newer local value
    // of the pair made meanwhile must carry a later stamp, or "newest wins" keeps the older one.
    if (outcome.result !== 'rejected') {
      this.orderAfterOurWrite(outcome.row, nowMs);
      this.ratings.markSent(row.id, outcome.row.rating, outcome.row.comment);
    } else {
      // Marked as sent before it went; a refusal means the remote holds none of it.
      this.ratings.clearRefused(row.id, outcome.row.rating, outcome.row.comment);
    }
    if (changedSince(row, outcome.row) || row.superseded_by !== null) {
      // The newer value (or the newer row) still has to go; keep only what we learned of the pair.
      if (learned !== null && row.remote_rating_id === null) this.ratings.setRemoteId(row.id, learned);
      tally[outcome.result]++;
      return;
    }
    const attempts = row.upload_attempts + 1;
    const { maxAttempts, backoffCapMs } = options;
    if (outcome.result === 'rejected') {
      // Permanent: retrying on a schedule would only be refused again; a person retries it.
      this.ratings.markFailed(row.id, attempts, outcome.error, now);
      this.failed.record(row.id, outcome.error, attempts, now, null);
      tally.rejected++;
      tally.deadLettered++;
    } else if (outcome.result === 'failed') {
      tally.failed++;
      // The remote named the pair's rating before failing: the next attempt updates it directly.
      if (learned !== null && row.remote_rating_id !== learned) this.ratings.setRemoteId(row.id, learned);
      const nextAt = retryAt(nowMs, attempts, backoffCapMs);
      if (row.sync_status === 'failed' || attempts >= maxAttempts) {
        this.ratings.markFailed(row.id, attempts, outcome.error, now);
        this.failed.record(row.id, outcome.error, attempts, now, nextAt);
        tally.deadLettered++;
      } else {
        this.ratings.markRetryLater(row.id, attempts, outcome.error, nextAt, now);
      }
    } else {
      this.ratings.markUploaded(row.id, outcome.remoteRatingId ?? row.remote_rating_id, now);
      this.failed.resolveForRating(row.id, now);
      tally[outcome.result]++;
    }
  }

  /**
   * Unsent rows of the sent row's pair that are newer than what was sent (the sent row itself if
   * the local Atom changed it meanwhile) get updated_at no earlier than now, in their order.
   */
  private orderAfterOurWrite(sent: RatingRow, nowMs: number): void {
    const newer = this.ratings
      .unsentOfPair(sent.skill_id, sent.user_id)
      .filter((r) => (r.id === sent.id ? changedSince(r, sent) : byAge(sent, r) < 0))
      .sort(byAge);
    newer.forEach((r, i) => {
      if (instant(r.updated_at) < nowMs + i) this.ratings.restamp(r.id, new Date(nowMs + i).toISOString());
    });
  }
}
