/**
 * Sends local ratings to the remote: one idempotent batch request (ext), or, on a server
 * without it, one base-API request per rating. Reports an outcome per rating attempted.
 */
import type { ErrorKind } from '../contracts/api.js';
import type { BatchRatingItem } from '../contracts/remote.js';
import { errorMessage, ExtensionMissingError, RemoteError } from '../errors.js';
import type { Logger } from '../log/index.js';
import type { MarketplaceClient } from '../remote/types.js';
import type { RatingRow } from '../store/ratingsRepo.js';

export type UploadOutcome =
  | { id: string; result: 'accepted' | 'duplicate'; remoteRatingId: string | null }
  | { id: string; result: 'rejected'; error: string }
  | { id: string; result: 'failed'; error: string; kind: ErrorKind };

export interface UploadResult {
  /** One per rating attempted (ratings after a stop are left out: not attempted, not counted). */
  outcomes: UploadOutcome[];
  /** Why the pass stopped early: an auth refusal, or a remote that keeps failing. */
  stop: RemoteError | null;
}

/** Consecutive transient failures after which a one-by-one pass gives up until the next run. */
const SINGLE_FAILURE_LIMIT = 3;

const toItem = (row: RatingRow): BatchRatingItem => ({
  client_rating_id: row.id,
  skill_id: row.skill_id,
  user_id: row.user_id,
  rating: row.rating,
  comment: row.comment,
  created_at: row.created_at,
});

const isAuth = (error: unknown): error is RemoteError => error instanceof RemoteError && error.kind === 'auth';

/** A failure to try again later (transient), or a bug-shaped one we also keep the rating for. */
function failed(id: string, error: unknown): UploadOutcome {
  return { id, result: 'failed', error: errorMessage(error), kind: error instanceof RemoteError ? error.kind : 'internal' };
}

export class RatingUploader {
  private batchMissing = false;

  constructor(
    private readonly client: MarketplaceClient,
    private readonly log: Logger,
    private readonly concurrency = 4,
  ) {}

  /** Whether this process fell back to one request per rating. */
  get fallback(): boolean {
    return this.batchMissing;
  }

  async upload(rows: readonly RatingRow[]): Promise<UploadResult> {
    if (rows.length === 0) return { outcomes: [], stop: null };
    if (!this.batchMissing) {
      try {
        return await this.viaBatch(rows);
      } catch (error) {
        if (!(error instanceof ExtensionMissingError)) throw error;
        this.batchMissing = true;
        this.log.warn('the remote has no batch rating upload; uploading one rating per request from now on', { status: error.status ?? undefined });
      }
    }
    return this.oneByOne(rows);
  }

  private async viaBatch(rows: readonly RatingRow[]): Promise<UploadResult> {
    let results;
    try {
      results = await this.client.uploadRatings(rows.map(toItem));
    } catch (error) {
      if (error instanceof ExtensionMissingError) throw error;
      if (isAuth(error)) return { outcomes: [], stop: error };
      // The whole request failed: every rating in it is tried again later (same ids, no double count).
      return { outcomes: rows.map((row) => failed(row.id, error)), stop: null };
    }
    const byId = new Map(results.map((r) => [r.client_rating_id, r]));
    const outcomes = rows.map((row): UploadOutcome => {
      const r = byId.get(row.id);
      if (!r) return { id: row.id, result: 'failed', error: 'the remote answered without a result for this rating', kind: 'invalid_response' };
      if (r.status === 'rejected') return { id: row.id, result: 'rejected', error: r.error ?? 'rejected by the remote' };
      return { id: row.id, result: r.status, remoteRatingId: r.rating_id ?? null };
    });
    return { outcomes, stop: null };
  }

  /**
   * The base API has no idempotency key, so each rating is sent once per pass and its outcome
   * recorded before it could be sent again. A few requests run at once to keep throughput up.
   */
  private async oneByOne(rows: readonly RatingRow[]): Promise<UploadResult> {
    const outcomes: Array<UploadOutcome | undefined> = new Array(rows.length);
    let next = 0;
    let consecutiveFailures = 0;
    let stop: RemoteError | null = null;
    const worker = async () => {
      for (let guard = 0; guard < rows.length && next < rows.length && !stop; guard++) {
        const index = next++;
        const row = rows[index]!;
        try {
          const response = await this.client.rate({ skill_id: row.skill_id, user_id: row.user_id, rating: row.rating, comment: row.comment });
          outcomes[index] = { id: row.id, result: 'accepted', remoteRatingId: response.rating_id };
          consecutiveFailures = 0;
        } catch (error) {
          if (isAuth(error)) {
            stop = error;
          } else if (error instanceof RemoteError && !error.transient) {
            outcomes[index] = { id: row.id, result: 'rejected', error: error.message };
          } else {
            outcomes[index] = failed(row.id, error);
            if (++consecutiveFailures >= SINGLE_FAILURE_LIMIT) {
              stop = error instanceof RemoteError ? error : new RemoteError('internal', errorMessage(error));
            }
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, rows.length) }, worker));
    return { outcomes: outcomes.filter((o): o is UploadOutcome => o !== undefined), stop };
  }
}
