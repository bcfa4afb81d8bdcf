/**
 * Sends local ratings to the remote: new ones in one idempotent batch request (ext), or, on a
 * server without it, one base-API request each; a rating whose (skill, user) pair the remote
 * already holds goes as an update (PUT, idempotent). Each outcome goes to the sink as soon as it
 * is known, so it can be recorded before anything else is sent.
 */
import type { ErrorKind } from '../contracts/localHttpApi.js';
import type { BatchRatingItem, RateResponse } from '../contracts/remote.js';
import { errorMessage, ExtensionMissingError, RemoteError } from '../errors.js';
import type { Logger } from '../log/index.js';
import type { MarketplaceClient } from '../remote/types.js';
import type { RatingRow } from '../store/ratingsRepo.js';
import { findHeldRating, OwnWrites, sameValue, type HeldValue, type OwnUploads } from './refusedUpdate.js';

/** What became of one rating, with the row as it was sent (the recorder checks it did not change since). */
export type UploadOutcome =
  | { row: RatingRow; result: 'accepted' | 'duplicate'; remoteRatingId: string | null }
  | { row: RatingRow; result: 'rejected'; error: string }
  | { row: RatingRow; result: 'failed'; error: string; kind: ErrorKind; remoteRatingId: string | null };

/**
 * Receives outcomes as they arrive: one at a time on the one-by-one path, a whole batch's at
 * once. Nothing more is sent on that path until it has settled (the outcome is recorded).
 */
export type OutcomeSink = (outcomes: readonly UploadOutcome[]) => Promise<void>;

export interface UploadResult {
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
  updated_at: row.updated_at,
});

const isAuth = (error: unknown): error is RemoteError => error instanceof RemoteError && error.kind === 'auth';
/** A 4xx that is about this request (not auth, not a missing extension): sending it again changes nothing. */
const isRefusal = (error: unknown): error is RemoteError => error instanceof RemoteError && !error.transient && !isAuth(error);

/** A failure to try again later (transient), or a bug-shaped one we also keep the rating for. */
function failed(row: RatingRow, error: unknown, remoteRatingId: string | null = null): UploadOutcome {
  return { row, result: 'failed', error: errorMessage(error), kind: error instanceof RemoteError ? error.kind : 'internal', remoteRatingId };
}

/** An update answered: `updated` false means the remote already held this value or a newer one. */
function acknowledged(row: RatingRow, response: RateResponse): UploadOutcome {
  return { row, result: response.updated === false ? 'duplicate' : 'accepted', remoteRatingId: response.rating_id };
}

export class RatingUploader {
  private batchMissing = false;
  /** What the remote acknowledged holding per pair, so a refusal of our newer value can be checked. */
  private readonly ownWrites = new OwnWrites();

  constructor(
    private readonly client: MarketplaceClient,
    private readonly log: Logger,
    /** Our acknowledged uploads as the store holds them: what a restart left out of memory. */
    private readonly ownUploads: OwnUploads | null = null,
    private readonly concurrency = 4,
  ) {}

  /** Whether this process fell back to one request per rating. */
  get fallback(): boolean {
    return this.batchMissing;
  }

  async upload(rows: readonly RatingRow[], sink: OutcomeSink): Promise<UploadResult> {
    const answered = new Set<string>();
    const record: OutcomeSink = async (outcomes) => {
      await sink(outcomes);
      for (const o of outcomes) answered.add(o.row.id);
    };
    // A pair the remote already holds is updated, never created again. So is one that may hold
    // another value of ours whose reply never came (a kill): a batch item would be answered
    // "accepted" even when newest-wins kept that earlier value, so the refusal would go unseen.
    const ours = await this.ourWritesOf(rows.filter((r) => r.remote_rating_id === null));
    const asUpdate = new Set(rows.filter((r) => r.remote_rating_id !== null || (ours.get(r)?.length ?? 0) > 0));
    const updates = rows.filter((r) => asUpdate.has(r));
    const creates = rows.filter((r) => !asUpdate.has(r));
    let stop: RemoteError | null = null;
    if (creates.length > 0 && !this.batchMissing) {
      try {
        stop = await this.viaBatch(creates, record);
      } catch (error) {
        if (!(error instanceof ExtensionMissingError)) throw error;
        this.batchMissing = true;
        this.log.warn('the remote has no batch rating upload; uploading one rating per request from now on', { status: error.status ?? undefined });
      }
    }
    if (stop) return { stop };
    const singles = [...updates, ...(this.batchMissing ? creates.filter((r) => !answered.has(r.id)) : [])];
    return { stop: await this.oneByOne(singles, record) };
  }

  /**
   * One batch; a batch the remote refuses as a whole (400, 413 …) is split in halves until the
   * refused ratings are found, so one bad rating never holds the others back.
   */
  private async viaBatch(rows: readonly RatingRow[], sink: OutcomeSink): Promise<RemoteError | null> {
    let results;
    try {
      results = await this.client.uploadRatings(rows.map(toItem));
    } catch (error) {
      if (error instanceof ExtensionMissingError) throw error;
      if (isAuth(error)) return error;
      if (isRefusal(error) && rows.length > 1) {
        const half = Math.ceil(rows.length / 2);
        return (await this.viaBatch(rows.slice(0, half), sink)) ?? (await this.viaBatch(rows.slice(half), sink));
      }
      if (isRefusal(error)) {
        await sink([{ row: rows[0]!, result: 'rejected', error: error.message }]);
        return null;
      }
      // The whole request failed: every rating in it is tried again later (same ids, no double count).
      await sink(rows.map((row) => failed(row, error)));
      return null;
    }
    const byId = new Map(results.map((r) => [r.client_rating_id, r]));
    await sink(
      rows.map((row): UploadOutcome => {
        const r = byId.get(row.id);
        if (!r) return { row, result: 'failed', error: 'the remote answered without a result for this rating', kind: 'invalid_response', remoteRatingId: null };
        if (r.status === 'rejected') return { row, result: 'rejected', error: r.error ?? 'rejected by the remote' };
        this.ownWrites.remember(row.skill_id, row.user_id, row);
        return { row, result: r.status, remoteRatingId: r.rating_id ?? null };
      }),
    );
    return null;
  }

  /**
   * The base API has no idempotency key: each rating is sent once per pass, never retried blindly
   * by the transport, and its outcome recorded as soon as it is known. A few run at once.
   */
  private async oneByOne(rows: readonly RatingRow[], sink: OutcomeSink): Promise<RemoteError | null> {
    if (rows.length === 0) return null;
    let next = 0;
    let consecutiveFailures = 0;
    let stop: RemoteError | null = null;
    let sinkError: unknown = null;
    const worker = async () => {
      for (let guard = 0; guard < rows.length && next < rows.length && !stop && sinkError === null; guard++) {
        const row = rows[next++]!;
        let outcome: UploadOutcome;
        try {
          outcome = await this.sendOne(row);
        } catch (error) {
          if (isAuth(error)) {
            stop = error;
            continue;
          }
          outcome = isRefusal(error) ? { row, result: 'rejected', error: error.message } : failed(row, error);
        }
        if (outcome.result === 'failed') {
          if (++consecutiveFailures >= SINGLE_FAILURE_LIMIT) stop ??= new RemoteError(outcome.kind, outcome.error);
        } else {
          consecutiveFailures = 0;
        }
        try {
          await sink([outcome]);
        } catch (error) {
          sinkError ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, rows.length) }, worker));
    if (sinkError !== null) throw sinkError;
    return stop;
  }

  /**
   * One rating: an update when the remote holds the pair (or may hold a value of ours for it),
   * else a create; a 409 on the create means the pair is there already (our own earlier create
   * whose answer was lost, or an older rating), so the create is acknowledged and followed by an
   * update with our newer values.
   * Throws auth and refusals; a transient failure after the remote named the pair's rating comes
   * back as an outcome carrying that id, so the next attempt goes straight to the update.
   */
  private async sendOne(row: RatingRow): Promise<UploadOutcome> {
    if (row.remote_rating_id !== null || (await this.ourWrites(row)).length > 0) {
      const updated = await this.update(row);
      if (updated) return acknowledged(row, updated);
      // 404: the remote no longer holds the pair; create it again.
    }
    const created = await this.client.rate({ skill_id: row.skill_id, user_id: row.user_id, rating: row.rating, comment: row.comment });
    if (created.status === 'created') {
      this.ownWrites.remember(row.skill_id, row.user_id, row);
      return { row, result: 'accepted', remoteRatingId: created.ratingId };
    }
    const known = created.ratingId;
    try {
      const updated = await this.update(row);
      if (updated) return acknowledged(row, updated);
      return failed(row, new RemoteError('invalid_response', 'the remote answered 409 "rating already exists", then 404 to its update'), known);
    } catch (error) {
      if (isAuth(error) || isRefusal(error)) throw error;
      return failed(row, error, known);
    }
  }

  /**
   * PUT with our values. Refused as older while the remote still holds a value we wrote for the
   * pair (what this process last wrote, or after a restart one of the pair's uploaded local rows):
   * ours is the pair's newest local value and differs from that write, so it came later whatever
   * the stamps say; it goes once more, stamped no earlier than the remote's stamp of our write.
   * What the remote holds comes with the refusal, or else from its rating listing (see refusedUpdate.ts).
   */
  private async update(row: RatingRow): Promise<RateResponse | null> {
    const request = { skill_id: row.skill_id, user_id: row.user_id, rating: row.rating, comment: row.comment, updated_at: row.updated_at };
    const answer = await this.client.updateRating(request);
    if (answer?.updated !== false) {
      if (answer) this.ownWrites.remember(row.skill_id, row.user_id, row);
      return answer;
    }
    const ours = await this.ourWrites(row);
    const held = ours.length === 0 ? null : (answer.held ?? (await findHeldRating(this.client, answer.rating_id, row.updated_at)));
    if (!held || sameValue(held, row) || !ours.some((v) => sameValue(held, v))) {
      this.log.info('the remote kept a rating it holds as newer than ours', { skill_id: row.skill_id, held_known: held !== null, ours: ours.length });
      return answer;
    }
    this.log.info('the remote refused a newer rating as older (its stamps run ahead of its clock); sending it stamped after our earlier write', {
      skill_id: row.skill_id,
      remote_updated_at: held.updated_at,
    });
    const again = await this.client.updateRating({ ...request, notBefore: held.updated_at });
    if (again?.updated) this.ownWrites.remember(row.skill_id, row.user_id, row);
    return again;
  }

  /**
   * Values the remote may hold from us that differ from this row. This process's last write is
   * the one to match when it has one; with none (a restart), the store's uploaded rows stand in.
   */
  private async ourWrites(row: RatingRow): Promise<HeldValue[]> {
    return (await this.ourWritesOf([row])).get(row) ?? [];
  }

  /** The same for several rows, with one store read for those this process wrote nothing for. */
  private async ourWritesOf(rows: readonly RatingRow[]): Promise<Map<RatingRow, HeldValue[]>> {
    const found = new Map<RatingRow, HeldValue[]>();
    const unknown: RatingRow[] = [];
    for (const row of rows) {
      const remembered = this.ownWrites.get(row.skill_id, row.user_id);
      if (remembered) found.set(row, [remembered]);
      else if (this.ownUploads) unknown.push(row);
    }
    if (unknown.length > 0) {
      const stored = await this.ownUploads!.uploadedValues(unknown.map(({ skill_id, user_id }) => ({ skill_id, user_id })));
      unknown.forEach((row, i) => found.set(row, stored[i] ?? []));
    }
    for (const [row, values] of found) found.set(row, values.filter((v) => !sameValue(v, row)));
    return found;
  }
}
