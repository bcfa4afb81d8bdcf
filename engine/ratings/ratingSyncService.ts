/**
 * Rating sync: uploads ratings made in the local Atom (idempotently, with backoff and a dead
 * letter), downloads other users' ratings, and keeps skill aggregates from rating_update frames.
 * One run at a time; `syncNow` and the API trigger send every pending rating now, while the
 * scheduled run leaves ratings waiting out their backoff alone.
 */
import { randomUUID } from 'node:crypto';
import { isoNow, type Clock, type TimerHandle } from '../clock.js';
import type { FailedUploadsResponse, RatingStatusResponse, RetryResponse } from '../contracts/api.js';
import { EngineError, errorKind, errorMessage, notFound } from '../errors.js';
import type { EngineEvents } from '../events.js';
import type { Logger } from '../log/index.js';
import type { MarketplaceClient } from '../remote/types.js';
import type { RatingSync } from '../services.js';
import { writeTransaction, type Db } from '../store/database.js';
import { FailedUploadsRepo } from '../store/failedUploadsRepo.js';
import { RatingsRepo } from '../store/ratingsRepo.js';
import { SkillsRepo } from '../store/skillsRepo.js';
import { createStamper } from '../store/stamp.js';
import { SyncStateRepo } from '../store/syncStateRepo.js';
import { RatingDownloader } from './ratingDownloader.js';
import { checkLocalRating, readAggregate } from './ratingInput.js';
import { RatingPairs } from './ratingPairs.js';
import { RatingUploader } from './ratingUploader.js';
import { UploadPhase, type PhaseProblem } from './uploadPhase.js';
import { emptyOutcomeTally, UploadRecorder } from './uploadRecorder.js';

export interface RatingSyncDeps {
  db: Db;
  client: MarketplaceClient;
  events: EngineEvents;
  clock: Clock;
  log: Logger;
  config: { ratingBatchSize: number; ratingMaxAttempts: number; ratingSyncIntervalMinutes: number };
  enabled: boolean;
  /** First scheduled run after start() (default one minute, at most the interval). */
  initialDelayMs?: number;
  /** Ratings per download page (default 500). */
  downloadPageSize?: number;
}

const STREAM = 'ratings';
const STATUS_EVERY_MS = 250;

export class RatingSyncService implements RatingSync {
  private readonly ratings: RatingsRepo;
  private readonly failed: FailedUploadsRepo;
  private readonly skills: SkillsRepo;
  private readonly state: SyncStateRepo;
  private readonly phase: UploadPhase;
  private readonly pairs: RatingPairs;
  private readonly downloader: RatingDownloader;
  private readonly stamp: () => string;
  private readonly intervalMs: number;
  private current: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private timer: TimerHandle | null = null;
  private stopping = false;
  private closed = false;
  private retryAllRequested = false;
  private lastStatusAt = -Infinity;

  constructor(private readonly deps: RatingSyncDeps) {
    const { db, client, clock, log, config } = deps;
    this.ratings = new RatingsRepo(db);
    this.failed = new FailedUploadsRepo(db);
    this.skills = new SkillsRepo(db);
    this.state = new SyncStateRepo(db);
    this.stamp = createStamper(() => clock.now());
    this.intervalMs = config.ratingSyncIntervalMinutes * 60_000;
    const recorder = new UploadRecorder(db, this.ratings, this.failed, { maxAttempts: config.ratingMaxAttempts, backoffCapMs: this.intervalMs });
    this.pairs = new RatingPairs(db, this.ratings, this.failed);
    this.phase = new UploadPhase({
      ratings: this.ratings,
      failed: this.failed,
      uploader: new RatingUploader(client, log, this.ratings),
      recorder,
      pairs: this.pairs,
      events: deps.events,
      clock,
      batchSize: config.ratingBatchSize,
      stopping: () => this.stopping,
      changed: () => this.emitStatus(true),
    });
    this.downloader = new RatingDownloader({
      db, client, ratings: this.ratings, skills: this.skills, state: this.state, clock, log, stamp: this.stamp,
      pageSize: deps.downloadPageSize,
    });
  }

  // ---- runs ----

  trigger(): { accepted: boolean; reason?: 'in_progress' | 'disabled' } {
    if (!this.deps.enabled || this.closed) return { accepted: false, reason: 'disabled' };
    if (this.current) return { accepted: false, reason: 'in_progress' };
    void this.launch(false);
    return { accepted: true };
  }

  /** Runs a sync that starts after this call (waiting for the one in progress first). */
  syncNow(): Promise<void> {
    if (!this.deps.enabled || this.closed) return Promise.resolve();
    if (!this.current) return this.launch(false);
    this.queued ??= this.current.then(() => {
      this.queued = null;
      if (this.closed) return undefined;
      return this.current ?? this.launch(false);
    });
    return this.queued;
  }

  /** Runs every interval (first after `initialDelayMs`); a tick during a run is skipped. */
  start(): void {
    if (!this.deps.enabled || this.timer) return;
    this.closed = false;
    this.arm(Math.min(this.deps.initialDelayMs ?? 60_000, this.intervalMs));
    this.deps.log.info('rating sync scheduled', { interval_minutes: this.deps.config.ratingSyncIntervalMinutes });
  }

  /** Cancels the schedule; a batch in flight finishes and is recorded, no new one starts. */
  async stop(): Promise<void> {
    this.closed = true;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
    this.stopping = true;
    try {
      await this.current;
    } finally {
      this.stopping = false;
    }
  }

  private arm(delayMs: number): void {
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = null;
      if (this.closed) return;
      this.arm(this.intervalMs);
      if (this.current) this.deps.log.debug('scheduled rating sync skipped: one is running');
      else void this.launch(true);
    }, delayMs);
    this.timer.unref?.();
  }

  private launch(respectBackoff: boolean): Promise<void> {
    const run = this.run(respectBackoff).finally(() => {
      if (this.current === run) this.current = null;
      this.emitStatus();
    });
    this.current = run;
    this.emitStatus();
    return run;
  }

  /** Never rejects: failures end up in sync_state, the log and `sync.error`. */
  private async run(respectBackoff: boolean): Promise<void> {
    const { clock, log, events } = this.deps;
    const started = clock.now();
    const tally = emptyOutcomeTally();
    let downloaded: number | null = null;
    let problem: PhaseProblem | null = null;
    try {
      this.state.markAttempt(STREAM, isoNow(clock));
      problem = await this.phase.pending(respectBackoff, tally);
      if (problem?.kind !== 'auth' && !this.stopping) {
        const all = this.retryAllRequested;
        this.retryAllRequested = false;
        problem = (await this.phase.deadLetters(all, tally)) ?? problem;
      }
      if (problem?.kind !== 'auth' && !this.stopping) {
        try {
          downloaded = await this.downloader.run();
        } catch (error) {
          const message = `rating download failed: ${errorMessage(error)}`;
          events.emit('sync.error', { operation: 'ratings_download', kind: errorKind(error), message, at: isoNow(clock) });
          problem ??= { kind: errorKind(error), message };
        }
      }
    } catch (error) {
      problem = { kind: errorKind(error), message: errorMessage(error) };
      events.emit('sync.error', { operation: 'ratings_upload', kind: problem.kind, message: problem.message, at: isoNow(clock) });
    }
    const now = isoNow(clock);
    const fields = {
      uploaded: tally.accepted,
      duplicate: tally.duplicate,
      rejected: tally.rejected,
      failed: tally.failed,
      downloaded: downloaded ?? undefined,
      duration_ms: clock.now() - started,
    };
    try {
      if (problem) {
        this.state.markFailure(STREAM, now, problem.message);
        log.warn('rating sync finished with errors', { ...fields, kind: problem.kind, error: problem.message });
      } else {
        this.state.markSuccess(STREAM, now, tally.accepted + tally.duplicate + (downloaded ?? 0));
        log.info('rating sync finished', fields);
      }
    } catch (error) {
      log.error('could not record the rating sync outcome', { error: errorMessage(error) });
    }
  }

  // ---- status and dead letters ----

  status(): RatingStatusResponse {
    const state = this.state.get(STREAM);
    const counts = this.ratings.counts();
    return {
      status: !this.deps.enabled ? 'disabled' : this.current ? 'syncing' : 'idle',
      last_sync: state?.last_sync ?? null,
      pending_count: counts.pending,
      uploaded_total: counts.uploaded,
      failed_count: this.failed.countOpen(),
      last_error: state?.last_error ?? null,
    };
  }

  failedUploads(limit: number, offset: number): FailedUploadsResponse {
    return { items: this.failed.list(limit, offset), total: this.failed.countOpen() };
  }

  async retry(id: number): Promise<RetryResponse> {
    const entry = Number.isSafeInteger(id) && id > 0 ? this.failed.get(id) : undefined;
    if (!entry) throw notFound(`Failed upload ${id}`);
    if (!this.deps.enabled) throw new EngineError('rating_sync_disabled', 503, 'Rating sync is disabled in configuration; enable sync and restart.');
    // If a run is sending this very rating, wait for its outcome instead of sending it twice.
    await this.phase.inFlight.get(entry.rating_id)?.catch(() => undefined);
    const open = this.failed.openForRating(entry.rating_id);
    const rating = this.ratings.get(entry.rating_id);
    if (!open || open.id !== id || !rating || rating.sync_status === 'uploaded') {
      const done = rating?.sync_status === 'uploaded';
      return { id, result: done ? 'uploaded' : 'failed', error: done ? null : (rating?.last_upload_error ?? 'this failed upload was superseded') };
    }
    const [ready] = this.pairs.prepare([rating], isoNow(this.deps.clock));
    if (!ready) return { id, result: 'uploaded', error: null }; // a newer rating for the same skill replaced it
    const sent = await this.phase.send([ready], emptyOutcomeTally());
    const outcome = sent.outcomes[0];
    const uploaded = outcome?.result === 'accepted' || outcome?.result === 'duplicate';
    const error = uploaded ? null : outcome && 'error' in outcome ? outcome.error : (sent.problem?.message ?? 'not sent');
    this.deps.log.info('failed rating upload retried', { id, rating_id: rating.id, result: uploaded ? 'uploaded' : 'failed', error: error ?? undefined });
    return { id, result: uploaded ? 'uploaded' : 'failed', error };
  }

  retryAll(): { accepted: true; queued: number } {
    if (!this.deps.enabled || this.closed) return { accepted: true, queued: 0 };
    const queued = this.failed.countOpen();
    if (queued > 0) {
      this.retryAllRequested = true;
      void this.syncNow();
    }
    return { accepted: true, queued };
  }

  // ---- writes from the local app and the socket ----

  addLocalRating(input: { skill_id: string; user_id: string; rating: number; comment?: string | null }): { id: string } {
    const rating = checkLocalRating(input);
    const id = randomUUID();
    this.ratings.insertLocal({ id, ...rating, now: isoNow(this.deps.clock) });
    this.emitStatus();
    return { id };
  }

  /** A rating_update frame: the remote's new aggregate for one skill. */
  applyRatingUpdate(data: unknown): void {
    const aggregate = readAggregate(data);
    if (!aggregate) {
      this.deps.log.warn('rating_update frame ignored: no usable skill_id/average_rating/rating_count');
      return;
    }
    const applied = writeTransaction(this.deps.db, () =>
      this.skills.setRating(aggregate.skill_id, aggregate.average_rating, aggregate.rating_count),
    );
    if (!applied) this.deps.log.debug('rating_update for a skill not cached yet', { skill_id: aggregate.skill_id });
  }

  /** `throttled`: during a run, at most every STATUS_EVERY_MS (the counts cost a few index scans). */
  private emitStatus(throttled = false): void {
    const now = this.deps.clock.now();
    if (throttled && now - this.lastStatusAt < STATUS_EVERY_MS) return;
    this.lastStatusAt = now;
    try {
      this.deps.events.emit('ratings.status', this.status());
    } catch (error) {
      this.deps.log.debug('rating status not emitted', { error: errorMessage(error) });
    }
  }
}
