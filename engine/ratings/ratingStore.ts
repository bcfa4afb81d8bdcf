/**
 * The rating service's units of work, run inside the store worker: each method is one message
 * and, called as a write, one transaction. One upload outcome (or one batch answer), one
 * download page with its cursor, one pair reconciliation each commit on their own.
 */
import type { FailedUploadsResponse } from '../contracts/localHttpApi.js';
import type { RemoteRating } from '../contracts/remote.js';
import type { Remote } from '../store/client.js';
import type { FailedUploadRow, FailedUploadsRepo } from '../store/failedUploadsRepo.js';
import type { RatingRow, RatingsRepo } from '../store/ratingsRepo.js';
import type { SkillsRepo } from '../store/skillsRepo.js';
import type { SyncStateRepo } from '../store/syncStateRepo.js';
import type { LocalRatingInput } from './ratingInput.js';
import { RatingPairs } from './ratingPairs.js';
import type { UploadOutcome } from './ratingUploader.js';
import type { HeldValue } from './refusedUpdate.js';
import { UploadRecorder, type OutcomeTally, type RecorderOptions } from './uploadRecorder.js';

export interface RatingRepos {
  ratings: RatingsRepo;
  failed: FailedUploadsRepo;
  skills: SkillsRepo;
  state: SyncStateRepo;
}

/** What the rating status is built from, read in one call. */
export interface RatingFacts {
  last_sync: string | null;
  last_error: string | null;
  pending: number;
  uploaded: number;
  failed: number;
}

/** How a rating sync ended: `error` null is a success over `items` ratings. */
export interface RatingRunEnd {
  now: string;
  error: string | null;
  items: number;
}

export interface RatingPair {
  skill_id: string;
  user_id: string;
}

const STREAM = 'ratings';

export class RatingStore {
  private readonly pairs: RatingPairs;
  private readonly recorder: UploadRecorder;

  constructor(private readonly r: RatingRepos) {
    this.pairs = new RatingPairs(r.ratings, r.failed);
    this.recorder = new UploadRecorder(r.ratings, r.failed);
  }

  // ---- status ----

  facts(): RatingFacts {
    const row = this.r.state.get(STREAM);
    const counts = this.r.ratings.counts();
    return {
      last_sync: row?.last_sync ?? null,
      last_error: row?.last_error ?? null,
      pending: counts.pending,
      uploaded: counts.uploaded,
      failed: this.r.failed.countOpen(),
    };
  }

  // ---- runs ----

  startRun(now: string): void {
    this.r.state.markAttempt(STREAM, now);
  }

  /** Records how the run ended and returns the status facts after it. */
  finishRun(end: RatingRunEnd): RatingFacts {
    if (end.error !== null) this.r.state.markFailure(STREAM, end.now, end.error);
    else this.r.state.markSuccess(STREAM, end.now, end.items);
    return this.facts();
  }

  // ---- upload ----

  /** Supersedes older unsent rows among one keyset page of rows that share their pair. */
  sweepPage(status: 'pending' | 'failed', after: string, pageSize: number, now: string): { superseded: number; next: string | null } {
    return this.pairs.sweepPage(status, after, pageSize, now);
  }

  pendingCount(): number {
    return this.r.ratings.pendingCount();
  }

  /** Pending local ratings after `after` in id order; `dueBy` null ignores the backoff. */
  pendingPage(after: string, limit: number, dueBy: string | null): RatingRow[] {
    return this.r.ratings.pendingPage(after, limit, dueBy);
  }

  /** Open dead letters after `after` (all of them, or those due by `now`) with their ratings. */
  deadLetterPage(all: boolean, now: string, after: number, limit: number): { rows: RatingRow[]; next: number | null } {
    const page = all ? this.r.failed.openPage(after, limit) : this.r.failed.duePage(now, after, limit);
    const rows = page.map((f) => this.r.ratings.get(f.rating_id)).filter((row): row is RatingRow => row !== undefined);
    return { rows, next: page.length > 0 ? page[page.length - 1]!.id : null };
  }

  /** The rows still worth sending, as they are now: the pair reconciliation of one page. */
  prepare(rows: readonly RatingRow[], now: string): RatingRow[] {
    return this.pairs.prepare(rows, now);
  }

  /** Records, before they go, the values about to be sent (see RatingsRepo.markSending). */
  markSending(rows: readonly { id: string; rating: number; comment: string | null }[]): void {
    for (const row of rows) this.r.ratings.markSent(row.id, row.rating, row.comment);
  }

  /** Outcomes as they arrived (one rating, or one batch answer). */
  recordOutcomes(outcomes: readonly UploadOutcome[], nowMs: number, options: RecorderOptions): OutcomeTally {
    return this.recorder.record(outcomes, nowMs, options);
  }

  /** For each pair, the values of ours the remote may hold (see RatingsRepo.uploadedValues). */
  uploadedValues(pairs: readonly RatingPair[]): HeldValue[][] {
    return pairs.map((p) => this.r.ratings.uploadedValues(p.skill_id, p.user_id));
  }

  // ---- download ----

  downloadCursor(): string | null {
    return this.r.state.get(STREAM)?.cursor ?? null;
  }

  /**
   * One listing page with the cursor it allows. Our own uploads coming back are skipped; a
   * cached skill whose payload carries no aggregate gets one from the ratings we hold.
   */
  storeDownloadPage(ratings: readonly RemoteRating[], cursor: string | null, now: string): number {
    const repo = this.r.ratings;
    const own = repo.ownRemoteIds(ratings.map((r) => r.rating_id));
    const touched = new Set<string>();
    let stored = 0;
    for (const rating of ratings) {
      if (own.has(rating.rating_id)) continue;
      repo.upsertRemote(rating);
      touched.add(rating.skill_id);
      stored++;
    }
    for (const skillId of touched) {
      if (repo.skillHasRemoteAggregate(skillId) !== false) continue;
      const held = repo.heldAggregate(skillId);
      this.r.skills.setRating(skillId, Math.round(held.average * 100) / 100, held.count);
    }
    if (cursor !== null) this.r.state.saveProgress(STREAM, now, { cursor });
    return stored;
  }

  // ---- dead letters ----

  deadLetter(id: number): FailedUploadRow | undefined {
    return this.r.failed.get(id);
  }

  /** What a manual retry of this rating's dead letter finds now. */
  retryTarget(ratingId: string): { open: FailedUploadRow | undefined; rating: RatingRow | undefined } {
    return { open: this.r.failed.openForRating(ratingId), rating: this.r.ratings.get(ratingId) };
  }

  failedUploads(limit: number, offset: number): FailedUploadsResponse {
    return { items: this.r.failed.list(limit, offset), total: this.r.failed.countOpen() };
  }

  openDeadLetters(): number {
    return this.r.failed.countOpen();
  }

  // ---- from the local app and the socket ----

  /** A rating made in the local Atom; returns the status facts after it. */
  addLocal(input: LocalRatingInput & { id: string; now: string }): RatingFacts {
    this.r.ratings.insertLocal(input);
    return this.facts();
  }

  /** A rating_update frame's aggregate; false when the skill is not cached. */
  applyAggregate(skillId: string, averageRating: number, ratingCount: number): boolean {
    return this.r.skills.setRating(skillId, averageRating, ratingCount);
  }
}

/** The units as the engine reaches them through the store client: `read` outside a transaction, `write` as one. */
export interface RatingStoreCalls {
  read: Remote<RatingStore>;
  write: Remote<RatingStore>;
}
