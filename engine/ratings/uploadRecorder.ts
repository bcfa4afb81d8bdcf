/**
 * Writes upload outcomes to the store, one transaction per batch: acknowledged ratings are
 * marked uploaded, transient failures wait with backoff, permanent ones (or too many attempts)
 * go to the dead letter. A local rating is never deleted here.
 */
import { writeTransaction, type Db } from '../store/database.js';
import type { FailedUploadsRepo } from '../store/failedUploadsRepo.js';
import type { RatingsRepo } from '../store/ratingsRepo.js';
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

export class UploadRecorder {
  constructor(
    private readonly db: Db,
    private readonly ratings: RatingsRepo,
    private readonly failed: FailedUploadsRepo,
    private readonly options: RecorderOptions,
  ) {}

  record(outcomes: readonly UploadOutcome[], nowMs: number): OutcomeTally {
    const tally = emptyOutcomeTally();
    if (outcomes.length === 0) return tally;
    const now = new Date(nowMs).toISOString();
    writeTransaction(this.db, () => {
      for (const outcome of outcomes) this.recordOne(outcome, nowMs, now, tally);
    });
    return tally;
  }

  private recordOne(outcome: UploadOutcome, nowMs: number, now: string, tally: OutcomeTally): void {
    const row = this.ratings.get(outcome.id);
    if (!row || row.origin !== 'local') return;
    const attempts = row.upload_attempts + 1;
    const { maxAttempts, backoffCapMs } = this.options;
    if (outcome.result === 'rejected') {
      // Permanent: retrying on a schedule would only be refused again; a person retries it.
      this.ratings.markFailed(row.id, attempts, outcome.error, now);
      this.failed.record(row.id, outcome.error, attempts, now, null);
      tally.rejected++;
      tally.deadLettered++;
    } else if (outcome.result === 'failed') {
      tally.failed++;
      const nextAt = retryAt(nowMs, attempts, backoffCapMs);
      if (row.sync_status === 'failed' || attempts >= maxAttempts) {
        this.ratings.markFailed(row.id, attempts, outcome.error, now);
        this.failed.record(row.id, outcome.error, attempts, now, nextAt);
        tally.deadLettered++;
      } else {
        this.ratings.markRetryLater(row.id, attempts, outcome.error, nextAt, now);
      }
    } else {
      this.ratings.markUploaded(row.id, outcome.remoteRatingId, now);
      this.failed.resolveForRating(row.id, now);
      tally[outcome.result]++;
    }
  }
}
