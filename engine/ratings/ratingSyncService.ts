/**
 * Rating sync: uploads ratings made in the local Atom (idempotently, with backoff and a dead
 * letter), downloads other users' ratings, and keeps skill aggregates from rating_update frames.
 * One run at a time; `syncNow` and the API trigger send every pending rating now, while the
 * scheduled run leaves ratings waiting out their backoff alone. All SQL runs in the store
 * worker (RatingStore); a store that fails a call (a database locked past the limit) fails the
 * run it belongs to, and what was not recorded stays pending for the next one.
 */
import { randomUUID } from 'node:crypto';
import { isoNow, type Clock } from '../clock.js';
import type { FailedUploadsResponse, RatingStatusResponse, RetryResponse } from '../contracts/localHttpApi.js';
import { EngineError, errorKind, errorMessage, notFound } from '../errors.js';
import type { EngineEvents } from '../events.js';
import type { Logger } from '../log/index.js';
import type { MarketplaceClient } from '../remote/types.js';
import { PeriodicRunner } from '../schedule/periodicRunner.js';
import type { RatingSync } from '../services.js';
import type { EngineStore } from '../storeHost/openStore.js';
import { RatingDownloader } from './ratingDownloader.js';
import { checkLocalRating, readAggregate } from './ratingInput.js';
import type { RatingFacts, RatingStoreCalls } from './ratingStore.js';
import { RatingUploader } from './ratingUploader.js';
import { UploadPhase, type PhaseProblem } from './uploadPhase.js';
import { emptyOutcomeTally } from './uploadRecorder.js';

export interface RatingSyncDeps {
  store: EngineStore;
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

const STATUS_EVERY_MS = 250;
/** status() reads the facts again at most this often: rows the local Atom inserts show within it, and a busy snapshot endpoint costs no query per call. */
const STATUS_REFRESH_MS = 1_000;
/** Outcomes of a run in flight that a manual retry waits for before it sends the rating itself. */
const RETRY_WAITS = 10;

export class RatingSyncService implements RatingSync {
  private readonly store: RatingStoreCalls;
  private readonly phase: UploadPhase;
  private readonly downloader: RatingDownloader;
  private readonly intervalMs: number;
  private readonly schedule: PeriodicRunner;
  private current: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private stopping = false;
  private closed = false;
  private retryAllRequested = false;
  private lastStatusAt = -Infinity;
  /** The store's facts as last read: status() answers from them without a query. */
  private facts: RatingFacts = { last_sync: null, last_error: null, pending: 0, uploaded: 0, failed: 0 };
  /** The error of a run whose outcome the store could not record; shown until one is recorded. */
  private unrecordedError: string | null = null;
  /** Whether the last run failed on a locked database, and how it ran (retryAfterBusy runs it again). */
  private lastRun: { busy: boolean; respectBackoff: boolean } = { busy: false, respectBackoff: true };
  /** The store reported its lock gone while a run was going: retryAfterBusy is asked again once it ends. */
  private freedDuringRun = false;
  private refreshing = false;
  private lastRefreshAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: RatingSyncDeps) {
    const { store, client, clock, log, config } = deps;
    this.store = { read: store.read.ratingStore, write: store.write.ratingStore };
    this.intervalMs = config.ratingSyncIntervalMinutes * 60_000;
    this.phase = new UploadPhase({
      store: this.store,
      uploader: new RatingUploader(client, log, { uploadedValues: (pairs) => this.store.read.uploadedValues(pairs) }),
      recording: { maxAttempts: config.ratingMaxAttempts, backoffCapMs: this.intervalMs },
      events: deps.events,
      clock,
      batchSize: config.ratingBatchSize,
      stopping: () => this.stopping,
      changed: () => this.batchRecorded(),
    });
    this.downloader = new RatingDownloader({ store: this.store, client, clock, log, pageSize: deps.downloadPageSize });
    this.schedule = new PeriodicRunner({ clock, intervalMs: this.intervalMs, tick: () => this.scheduledRun() });
  }

  /** Reads the status facts; the engine awaits it before start(), so status() is right from the first call. */
  init(): Promise<void> {
    return this.refreshStatus();
  }

  /** Reads the status facts again (the local Atom also writes ratings with its own SQL). */
  async refreshStatus(): Promise<void> {
    this.facts = await this.store.read.facts();
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
    if (!this.deps.enabled || this.schedule.armed) return;
    this.closed = false;
    this.schedule.start(Math.min(this.deps.initialDelayMs ?? 60_000, this.intervalMs));
    this.deps.log.info('rating sync scheduled', { interval_minutes: this.deps.config.ratingSyncIntervalMinutes });
  }

  /** Cancels the schedule; a batch in flight finishes and is recorded, no new one starts. */
  async stop(): Promise<void> {
    this.closed = true;
    this.schedule.stop();
    this.stopping = true;
    try {
      await this.current;
    } finally {
      this.stopping = false;
    }
  }

  /** The store says its lock is gone: a run that a locked database failed goes again now. */
  retryAfterBusy(): void {
    if (!this.deps.enabled || this.closed) return;
    if (this.current) {
      this.freedDuringRun = true;
      return;
    }
    if (!this.lastRun.busy) return;
    this.lastRun = { ...this.lastRun, busy: false };
    this.deps.log.info('rating sync runs again: the database is free');
    void this.launch(this.lastRun.respectBackoff);
  }

  private scheduledRun(): void {
    if (this.current) this.deps.log.debug('scheduled rating sync skipped: one is running');
    else void this.launch(true);
  }

  private launch(respectBackoff: boolean): Promise<void> {
    const run = this.run(respectBackoff).finally(() => {
      if (this.current === run) this.current = null;
      this.emitStatus();
      if (!this.freedDuringRun) return;
      this.freedDuringRun = false;
      this.retryAfterBusy();
    });
    this.current = run;
    this.emitStatus();
    return run;
  }

  /** Never rejects: failures end up in sync_state (or, the store locked, in memory), the log and `sync.error`. */
  private async run(respectBackoff: boolean): Promise<void> {
    const { clock, log, events } = this.deps;
    const started = clock.now();
    const tally = emptyOutcomeTally();
    let downloaded: number | null = null;
    let problem: PhaseProblem | null = null;
    let busy = false;
    try {
      await this.store.write.startRun(isoNow(clock));
      problem = await this.phase.pending(respectBackoff, tally);
      if (problem?.kind !== 'auth' && !this.stopping) {
        const all = this.retryAllRequested;
        this.retryAllRequested = false;
        try {
          problem = (await this.phase.deadLetters(all, tally)) ?? problem;
        } catch (error) {
          if (all) this.retryAllRequested = true; // still asked for: the next run retries them all
          throw error;
        }
      }
      if (problem?.kind !== 'auth' && !this.stopping) {
        try {
          downloaded = await this.downloader.run();
        } catch (error) {
          const message = `rating download failed: ${errorMessage(error)}`;
          busy ||= errorKind(error) === 'database_busy';
          events.emit('sync.error', { operation: 'ratings_download', kind: errorKind(error), message, at: isoNow(clock) });
          problem ??= { kind: errorKind(error), message };
        }
      }
    } catch (error) {
      busy ||= errorKind(error) === 'database_busy';
      problem = { kind: errorKind(error), message: errorMessage(error) };
      events.emit('sync.error', { operation: 'ratings_upload', kind: problem.kind, message: problem.message, at: isoNow(clock) });
    }
    const fields = {
      uploaded: tally.accepted,
      duplicate: tally.duplicate,
      rejected: tally.rejected,
      failed: tally.failed,
      downloaded: downloaded ?? undefined,
      duration_ms: clock.now() - started,
    };
    try {
      const items = tally.accepted + tally.duplicate + (downloaded ?? 0);
      this.facts = await this.store.write.finishRun({ now: isoNow(clock), error: problem?.message ?? null, items });
      this.unrecordedError = null;
    } catch (error) {
      busy ||= errorKind(error) === 'database_busy';
      this.unrecordedError = problem?.message ?? `the rating sync outcome could not be recorded: ${errorMessage(error)}`;
      log.error('could not record the rating sync outcome', { kind: errorKind(error), error: errorMessage(error) });
    }
    if (problem) log.warn('rating sync finished with errors', { ...fields, kind: problem.kind, error: problem.message });
    else log.info('rating sync finished', fields);
    this.lastRun = { busy, respectBackoff };
  }

  // ---- status and dead letters ----

  /** From the facts last read; a call after STATUS_REFRESH_MS also reads them again in the background. */
  status(): RatingStatusResponse {
    this.refreshSoon();
    return this.snapshot();
  }

  failedUploads(limit: number, offset: number): Promise<FailedUploadsResponse> {
    return this.store.read.failedUploads(limit, offset);
  }

  async retry(id: number): Promise<RetryResponse> {
    const entry = Number.isSafeInteger(id) && id > 0 ? await this.store.read.deadLetter(id) : undefined;
    if (!entry) throw notFound(`Failed upload ${id}`);
    if (!this.deps.enabled) throw new EngineError('rating_sync_disabled', 503, 'Rating sync is disabled in configuration; enable sync and restart.');
    // If a run is sending this very rating, wait for its outcome instead of sending it twice.
    for (let wait = 0; wait < RETRY_WAITS && this.phase.inFlight.has(entry.rating_id); wait++) await this.phase.inFlight.get(entry.rating_id);
    if (this.phase.inFlight.has(entry.rating_id)) return { id, result: 'failed', error: 'a rating sync is sending this rating; see its outcome' };
    try {
      return await this.phase.exclusive([entry.rating_id], () => this.retryOne(id, entry.rating_id));
    } finally {
      await this.refreshStatus().then(
        () => this.emitStatus(),
        (error: unknown) => this.deps.log.debug('rating status not read after a retry', { error: errorMessage(error) }),
      );
    }
  }

  private async retryOne(id: number, ratingId: string): Promise<RetryResponse> {
    const { open, rating } = await this.store.read.retryTarget(ratingId);
    if (!open || open.id !== id || !rating || rating.sync_status === 'uploaded') {
      const done = rating?.sync_status === 'uploaded';
      return { id, result: done ? 'uploaded' : 'failed', error: done ? null : (rating?.last_upload_error ?? 'this failed upload was superseded') };
    }
    const [ready] = await this.phase.prepare([rating]);
    if (!ready) return { id, result: 'uploaded', error: null }; // a newer rating for the same skill replaced it
    const sent = await this.phase.send([ready], emptyOutcomeTally());
    const outcome = sent.outcomes[0];
    const uploaded = outcome?.result === 'accepted' || outcome?.result === 'duplicate';
    const error = uploaded ? null : outcome && 'error' in outcome ? outcome.error : (sent.problem?.message ?? 'not sent');
    this.deps.log.info('failed rating upload retried', { id, rating_id: rating.id, result: uploaded ? 'uploaded' : 'failed', error: error ?? undefined });
    return { id, result: uploaded ? 'uploaded' : 'failed', error };
  }

  async retryAll(): Promise<{ accepted: true; queued: number }> {
    if (!this.deps.enabled || this.closed) return { accepted: true, queued: 0 };
    const queued = await this.store.read.openDeadLetters();
    if (queued > 0) {
      this.retryAllRequested = true;
      void this.syncNow();
    }
    return { accepted: true, queued };
  }

  // ---- writes from the local app and the socket ----

  async addLocalRating(input: { skill_id: string; user_id: string; rating: number; comment?: string | null }): Promise<{ id: string }> {
    const rating = checkLocalRating(input);
    const id = randomUUID();
    this.facts = await this.store.write.addLocal({ id, ...rating, now: isoNow(this.deps.clock) });
    this.emitStatus();
    return { id };
  }

  /**
   * A rating_update frame: the remote's new aggregate for one skill. Never rejects: a frame the
   * store could not write is logged, and the next catalogue listing brings the aggregate again.
   */
  async applyRatingUpdate(data: unknown): Promise<void> {
    const aggregate = readAggregate(data);
    if (!aggregate) {
      this.deps.log.warn('rating_update frame ignored: no usable skill_id/average_rating/rating_count');
      return;
    }
    try {
      const applied = await this.store.write.applyAggregate(aggregate.skill_id, aggregate.average_rating, aggregate.rating_count);
      if (!applied) this.deps.log.debug('rating_update for a skill not cached yet', { skill_id: aggregate.skill_id });
    } catch (error) {
      this.deps.log.warn('rating_update frame not applied; the next listing brings the aggregate', {
        skill_id: aggregate.skill_id,
        kind: errorKind(error),
        error: errorMessage(error),
      });
    }
  }

  // ---- status snapshots ----

  private snapshot(): RatingStatusResponse {
    const f = this.facts;
    return {
      status: !this.deps.enabled ? 'disabled' : this.current ? 'syncing' : 'idle',
      last_sync: f.last_sync,
      pending_count: f.pending,
      uploaded_total: f.uploaded,
      failed_count: f.failed,
      last_error: this.unrecordedError ?? f.last_error,
    };
  }

  /** At most one background read of the facts at a time, and one per STATUS_REFRESH_MS. */
  private refreshSoon(): void {
    const now = this.deps.clock.now();
    if (this.closed || this.refreshing || now - this.lastRefreshAt < STATUS_REFRESH_MS) return;
    this.refreshing = true;
    this.lastRefreshAt = now;
    void this.refreshStatus()
      .catch((error: unknown) => this.deps.log.debug('rating status not read', { error: errorMessage(error) }))
      .finally(() => {
        this.refreshing = false;
      });
  }

  /** After each recorded batch of a run: the facts read again and emitted, at most every STATUS_EVERY_MS. */
  private batchRecorded(): void {
    if (this.deps.clock.now() - this.lastStatusAt < STATUS_EVERY_MS) return;
    this.lastStatusAt = this.deps.clock.now();
    void this.refreshStatus().then(
      () => this.emitStatus(),
      (error: unknown) => this.deps.log.debug('rating status not read', { error: errorMessage(error) }),
    );
  }

  private emitStatus(): void {
    this.lastStatusAt = this.deps.clock.now();
    try {
      this.deps.events.emit('ratings.status', this.snapshot());
    } catch (error) {
      this.deps.log.debug('rating status not emitted', { error: errorMessage(error) });
    }
  }
}
