import { setMaxListeners } from 'node:events';
import { isoNow, type Clock } from '../clock.js';
import type { ErrorKind, InvalidItemSummary, RecentError, RunSummary, SyncMode, SyncOperation, SyncProgress, SyncStatusResponse } from '../contracts/localHttpApi.js';
import { errorKind, errorMessage } from '../errors.js';
import type { EngineEvents } from '../events.js';
import type { Logger } from '../log/index.js';
import type { MarketplaceClient } from '../remote/types.js';
import type { CatalogueSync, SchedulerControl, TriggerOutcome, TriggerReason } from '../services.js';
import type { Stamper } from '../store/stamp.js';
import type { EngineStore } from '../storeHost/openStore.js';
import type { CatalogueFacts, RunEnd } from './catalogueStore.js';
import { runFullListing } from './fullListing.js';
import { instant } from '../remote/keysetCursor.js';
import { CURSOR_OVERLAP_MS, NEEDS_FULL, runIncrementalListing } from './incrementalListing.js';
import type { ListingOutcome, RunContext } from './runContext.js';
import { retryInvalidItems } from './invalidItems.js';
import { changedItems, emptyTally, type ApplyTally } from './skillApplier.js';
import type { PauseState } from './pauseState.js';

export interface CatalogueSyncDeps {
  store: EngineStore;
  client: MarketplaceClient;
  events: EngineEvents;
  clock: Clock;
  log: Logger;
  stamp: Stamper;
  batchSize: number;
  /** A full listing at least this often (minutes), whatever the cursor says. */
  fullSyncIntervalMinutes?: number;
  enabled: boolean;
  demoMode: boolean;
  /** The engine's one pause: scheduled and pushed runs wait while it holds (manual ones do not). */
  pause?: Pick<PauseState, 'paused' | 'until'>;
}

interface ActiveRun {
  id: number;
  mode: SyncMode;
  startedAt: number;
  progress: SyncProgress | null;
  abort: AbortController;
  done: Promise<void>;
}

const RECENT_ERRORS = 50;

/** Skills and categories: one run at a time, full or incremental, every write batched and resumable. */
const NO_FACTS: CatalogueFacts = {
  last_sync: null,
  last_error: null,
  cursor: null,
  resume: null,
  consecutive_failures: 0,
  invalid_items: 0,
  skills: 0,
  categories: 0,
  last_full_success: null,
};

export class CatalogueSyncService implements CatalogueSync {
  private active: ActiveRun | null = null;
  /** A trigger waiting for the store to record its run (the guard against a second one). */
  private starting: Promise<unknown> | null = null;
  /** A run failed on a locked database, or a frame could not be written: sync again once it is free. */
  private retryWhenFree = false;
  private stopping = false;
  private extensionMissingLogged = false;
  private lastErrorKind: ErrorKind | null = null;
  /** The remote's clock was seen behind the stored cursor: changes it stamps may sort before it. */
  private clockBehind = false;
  private readonly errors: RecentError[] = [];
  /** What status reads: kept from the store, refreshed after each run and change. */
  private facts: CatalogueFacts = NO_FACTS;
  /** Where status reads the next scheduled run from (the scheduler is built on this service). */
  private schedule: Pick<SchedulerControl, 'nextSync'> | null = null;
  private readonly unsubscribe: Array<() => void>;
  private readonly invalidThisRun = new Set<string>();

  constructor(private readonly deps: CatalogueSyncDeps) {
    // The remote client is built before this service and reports through the bus: its retries and
    // skipped items are listed as sync errors, and its answers' Date headers watch the remote clock.
    this.unsubscribe = [
      deps.events.on('remote.retry', (e) => this.recordError(e.operation, e.kind, e.message)),
      deps.events.on('remote.invalid_item', (e) => this.noteInvalid(e.skill_id, e.reason)),
      deps.events.on('remote.server_time', (e) => this.noteServerTime(e.server_time_ms)),
    ];
  }

  /** Status reports the next run this schedule plans. */
  useSchedule(schedule: Pick<SchedulerControl, 'nextSync'>): void {
    this.schedule = schedule;
  }

  /** Reads the facts status() answers from (a standby does this again as the leader writes). */
  async init(): Promise<void> {
    this.facts = await this.deps.store.read.catalogue.facts();
  }

  /**
   * Closes the runs a stop or a crash left open, then reads the facts. Only the replica that
   * leads may do this: on a standby it would close the leader's run in flight.
   */
  async takeOver(): Promise<void> {
    const abandoned = await this.deps.store.write.runs.closeAbandoned(isoNow(this.deps.clock));
    if (abandoned > 0) this.deps.log.warn('sync runs interrupted by a stop were closed as cancelled', { runs: abandoned });
    await this.init();
  }

  get running(): boolean {
    return this.active !== null;
  }

  /**
   * Starts a run unless one is running; resolves once the run is recorded (the run goes on in the
   * background). Rejects only when the store cannot record it (kind database_busy past the limit).
   */
  async trigger(mode: SyncMode, reason: TriggerReason): Promise<TriggerOutcome> {
    if (this.stopping) return { accepted: false, reason: 'stopping', run_id: null };
    if (!this.deps.enabled) return { accepted: false, reason: 'disabled', run_id: null };
    if (this.active) return { accepted: false, reason: 'sync_in_progress', run_id: this.active.id };
    if (this.starting) return { accepted: false, reason: 'sync_in_progress', run_id: null };
    if (reason !== 'manual' && this.deps.pause?.paused) return { accepted: false, reason: 'paused', run_id: null };
    const startedAt = this.deps.clock.now();
    const recording = this.deps.store.write.catalogue.startRun(mode, new Date(startedAt).toISOString());
    this.starting = recording.catch(() => undefined);
    let id: number;
    try {
      id = await recording;
    } catch (error) {
      if (errorKind(error) === 'database_busy') this.retryWhenFree = true;
      throw error;
    } finally {
      this.starting = null;
    }
    const abort = new AbortController();
    // Checks by id run 8 requests at once, plus the prefetched page, each listening on this signal.
    setMaxListeners(32, abort.signal);
    const run: ActiveRun = { id, mode, startedAt, progress: null, abort, done: Promise.resolve() };
    this.active = run;
    this.deps.log.info('sync started', { run_id: id, mode, reason });
    this.deps.events.emit('sync.started', { run_id: id, mode, at: new Date(startedAt).toISOString() });
    run.done = this.execute(run).finally(() => {
      this.active = null;
    });
    return { accepted: true, run_id: id, mode };
  }

  /** Starts the run a locked database prevented, now that the store says it is free. */
  retryAfterBusy(): void {
    if (!this.retryWhenFree || this.active || this.starting) return;
    this.retryWhenFree = false;
    this.trigger('incremental', 'database_free').catch((error) => {
      this.deps.log.warn('sync after the database lock not started', { error: errorMessage(error) });
    });
  }

  /** A pushed frame was not written: the next incremental listing, once the store is free, fetches it. */
  noteFrameLost(): void {
    this.retryWhenFree = true;
  }

  /** Resolves when the run in progress ends, including one whose start is still being recorded. */
  async idle(): Promise<void> {
    await this.starting;
    await this.active?.done;
  }

  /** Stops accepting runs and aborts the one in flight at its next request (a batch commits whole or not at all). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.active?.abort.abort(new Error('engine stopping'));
    await this.idle();
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private async execute(run: ActiveRun): Promise<void> {
    const { deps } = this;
    this.invalidThisRun.clear();
    const tally = emptyTally();
    let mode = run.mode;
    let operation: SyncOperation = 'categories';
    try {
      await this.syncCategories(run.abort.signal);
      operation = 'skills';
      const ctx = this.context(run, tally);
      // Items skipped as invalid on an earlier run are asked for again (a full listing re-reads them anyway).
      if (mode === 'incremental') await retryInvalidItems(ctx);
      this.facts = await deps.store.read.catalogue.facts();
      const cursor = this.facts.cursor;
      let outcome: ListingOutcome | typeof NEEDS_FULL = NEEDS_FULL;
      let reason = cursor === null ? 'no cursor yet' : 'no incremental listing';
      if (cursor !== null && this.clockBehind) reason = 'the remote clock was behind the cursor';
      else if (cursor !== null && this.fullListingDue()) reason = 'periodic full listing';
      const listAll = reason !== 'no incremental listing';
      if (mode === 'incremental' && cursor !== null && !listAll && !this.facts.resume) {
        outcome = await runIncrementalListing(ctx, cursor);
        if (outcome === NEEDS_FULL && !this.extensionMissingLogged) {
          this.extensionMissingLogged = true;
          deps.log.warn('remote does not list changes since a cursor (updated_since); using full listings');
        }
      }
      if (outcome === NEEDS_FULL) {
        if (mode === 'incremental') deps.log.info('running a full listing', { run_id: run.id, reason });
        mode = 'full';
        await deps.store.write.runs.setMode(run.id, mode);
        run.mode = mode;
        const sawClockBehind = this.clockBehind;
        outcome = await runFullListing(ctx);
        if (sawClockBehind) this.clockBehind = false;
      }
      await this.finishSuccess(run, mode, outcome, tally);
    } catch (error) {
      await this.finishFailure(run, mode, operation, error, tally).catch((failure) => {
        // The store could not record the end either: the run row stays open and the next start closes it.
        deps.log.error('sync run end not recorded', { run_id: run.id, error: errorMessage(failure) });
      });
    }
  }

  private async syncCategories(signal: AbortSignal): Promise<void> {
    this.setProgress('categories', 0, null);
    const categories = await this.deps.client.listCategories(signal);
    await this.deps.store.write.catalogue.replaceCategories(categories, this.deps.stamp(), isoNow(this.deps.clock));
  }

  private context(run: ActiveRun, tally: ApplyTally): RunContext {
    return {
      store: this.deps.store,
      client: this.deps.client,
      clock: this.deps.clock,
      log: this.deps.log,
      signal: run.abort.signal,
      batchSize: this.deps.batchSize,
      stamp: this.deps.stamp,
      tally,
      progress: (phase, done, total) => this.setProgress(phase, done, total),
    };
  }

  private setProgress(phase: SyncProgress['phase'], done: number, total: number | null): void {
    const run = this.active;
    if (!run) return;
    run.progress = { phase, done, total };
    this.deps.events.emit('sync.progress', { run_id: run.id, mode: run.mode, progress: run.progress });
  }

  private async finishSuccess(run: ActiveRun, mode: SyncMode, outcome: ListingOutcome, tally: ApplyTally): Promise<void> {
    const { deps } = this;
    const now = isoNow(deps.clock);
    const durationMs = deps.clock.now() - run.startedAt;
    // A clock seen behind the cursor during the run: no cursor, so the next run lists everything.
    const cursor = this.clockBehind && mode === 'incremental' ? null : outcome.cursor;
    await this.endRun(run.id, { now, result: 'success', items: outcome.items, durationMs, cursor });
    this.lastErrorKind = null;
    deps.log.info('sync completed', {
      run_id: run.id,
      mode,
      items: outcome.items,
      inserted: tally.inserted,
      updated: tally.updated,
      deleted: tally.deleted,
      conflicts: tally.conflicts,
      merged: tally.merged,
      unchanged: tally.unchanged,
      stale: tally.stale,
      skipped: tally.skipped,
      skills_cached: this.facts.skills,
      categories_cached: this.facts.categories,
      duration_ms: durationMs,
    });
    this.emitFinished(run, mode, 'success', outcome.items, tally, durationMs, null, null, now);
  }

  private async finishFailure(run: ActiveRun, mode: SyncMode, operation: SyncOperation, error: unknown, tally: ApplyTally): Promise<void> {
    const { deps } = this;
    const now = isoNow(deps.clock);
    const durationMs = deps.clock.now() - run.startedAt;
    const cancelled = this.stopping && run.abort.signal.aborted;
    const kind = errorKind(error);
    const message = errorMessage(error);
    const items = changedItems(tally);
    if (kind === 'database_busy') this.retryWhenFree = true;
    // Reported before it is recorded: the store that failed the run may be the one still locked.
    this.lastErrorKind = cancelled ? this.lastErrorKind : kind;
    this.emitFinished(run, mode, cancelled ? 'cancelled' : 'failure', items, tally, durationMs, cancelled ? null : message, cancelled ? null : kind, now);
    await this.endRun(run.id, { now, result: cancelled ? 'cancelled' : 'failure', items, error: message, errorKind: kind, durationMs });
    if (cancelled) {
      deps.log.info('sync stopped with the engine; it resumes from its last batch', { run_id: run.id, mode, items, duration_ms: durationMs });
    } else {
      this.recordError(operation, kind, message);
      deps.log.error('sync failed', { run_id: run.id, mode, kind, items, error: message, skills_cached: this.facts.skills, duration_ms: durationMs });
    }
  }

  private emitFinished(
    run: ActiveRun,
    mode: SyncMode,
    result: 'success' | 'failure' | 'cancelled',
    items: number,
    tally: ApplyTally,
    durationMs: number,
    error: string | null,
    kind: ErrorKind | null,
    at: string,
  ): void {
    this.deps.events.emit('sync.finished', { run_id: run.id, mode, result, items, skipped: tally.skipped, duration_ms: durationMs, error, error_kind: kind, at });
  }

  /** Records the run's end and re-reads the status facts it changed. */
  private async endRun(id: number, end: RunEnd): Promise<void> {
    await this.deps.store.write.catalogue.endRun(id, end);
    await this.refreshCounts();
  }

  /** Records a failed operation for the recent-errors list and the metrics (via the event). */
  recordError(operation: SyncOperation, kind: ErrorKind, message: string): void {
    const entry: RecentError = { at: isoNow(this.deps.clock), operation, kind, message };
    this.errors.unshift(entry);
    if (this.errors.length > RECENT_ERRORS) this.errors.length = RECENT_ERRORS;
    this.deps.events.emit('sync.error', entry);
  }

  /**
   * A full listing is due when the last one is older than the interval: it repairs what no cursor
   * can show (a remote clock that stepped back and forward again while nobody asked).
   */
  private fullListingDue(): boolean {
    const last = this.facts.last_full_success;
    const intervalMs = (this.deps.fullSyncIntervalMinutes ?? 1440) * 60_000;
    return last === null || this.deps.clock.now() - Date.parse(last) > intervalMs;
  }

  /**
   * Every answer's Date header. A remote clock seen behind the cursor (stepped back) stamps
   * changes that no updated_since listing will return, even once it is right again: the cursor
   * is dropped, so the next run lists everything.
   */
  private noteServerTime(serverTimeMs: number): void {
    if (this.clockBehind) return;
    const cursor = instant(this.facts.cursor);
    if (!(serverTimeMs < cursor - CURSOR_OVERLAP_MS)) return;
    this.clockBehind = true;
    this.deps.log.warn('the remote clock is behind the sync cursor; the next sync lists everything', {
      server_time: new Date(serverTimeMs).toISOString(),
    });
    this.deps.store.write.catalogue.saveProgress({ cursor: null }, isoNow(this.deps.clock)).catch((error) => {
      this.deps.log.warn('sync cursor not cleared; the next run clears it', { error: errorMessage(error) });
    });
  }

  /** An item the client skipped as invalid, listed once per run (a full listing's catch-up reads some twice). */
  private noteInvalid(skillId: string | null, reason: string): void {
    if (skillId !== null && this.invalidThisRun.has(skillId)) return;
    if (skillId !== null) this.invalidThisRun.add(skillId);
    this.recordError('skills', 'invalid_item', `${skillId ?? 'item'}: ${reason}`);
  }

  /** A remote item that failed validation outside a listing (a pushed frame): listed, retried next run. */
  recordInvalidItem(skillId: string, reason: string): void {
    this.recordError('websocket', 'invalid_item', `${skillId}: ${reason}`);
    this.deps.store.write.catalogue
      .recordInvalid(skillId, reason, this.deps.stamp())
      .then(() => this.refreshCounts())
      .catch((error) => {
        // Not listed: the next incremental listing fetches the skill again anyway.
        this.deps.log.warn('invalid pushed item not listed', { skill_id: skillId, error: errorMessage(error) });
        this.noteFrameLost();
      });
  }

  /** Re-reads the status facts (after a run, or after rows changed outside a run). */
  async refreshCounts(): Promise<void> {
    this.facts = await this.deps.store.read.catalogue.facts();
    this.emitCounts();
  }

  /** Cheap count upkeep for single changes (socket frames). */
  adjustSkillCount(delta: number): void {
    if (delta === 0) return;
    this.facts = { ...this.facts, skills: Math.max(0, this.facts.skills + delta) };
    this.emitCounts();
  }

  private emitCounts(): void {
    this.deps.events.emit('catalogue.counts', { skills_cached: this.facts.skills, categories_cached: this.facts.categories });
  }

  status(): SyncStatusResponse {
    const { facts } = this;
    const lastSync = facts.last_sync;
    const now = this.deps.clock.now();
    return {
      // A run being recorded counts: a trigger now would be refused as in progress.
      status: !this.deps.enabled ? 'disabled' : this.active || this.starting ? 'syncing' : 'idle',
      paused: this.deps.pause?.paused ?? false,
      paused_until: this.deps.pause?.until() ?? null,
      mode: this.active?.mode ?? null,
      run_id: this.active?.id ?? null,
      last_sync: lastSync,
      sync_age_minutes: lastSync ? Math.max(0, Math.floor((now - Date.parse(lastSync)) / 60_000)) : null,
      skills_cached: facts.skills,
      categories_cached: facts.categories,
      last_error: facts.last_error,
      last_error_kind: facts.last_error ? this.lastErrorKind : null,
      next_sync: this.schedule?.nextSync() ?? null,
      progress: this.active?.progress ?? null,
      consecutive_failures: facts.consecutive_failures,
      invalid_items: facts.invalid_items,
      demo_mode: this.deps.demoMode,
    };
  }

  runs(limit: number): Promise<RunSummary[]> {
    return this.deps.store.read.runs.recent(limit);
  }

  recentErrors(): RecentError[] {
    return [...this.errors];
  }

  async invalidItems(limit: number): Promise<{ invalid_items: InvalidItemSummary[]; invalid_total: number }> {
    const [items, total] = await Promise.all([this.deps.store.read.itemErrors.page('skills', '', limit), this.deps.store.read.itemErrors.count('skills')]);
    return { invalid_items: items, invalid_total: total };
  }
}
