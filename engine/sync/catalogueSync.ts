import { setMaxListeners } from 'node:events';
import { isoNow, type Clock } from '../clock.js';
import type { ErrorKind, InvalidItemSummary, RecentError, RunSummary, SyncMode, SyncOperation, SyncProgress, SyncStatusResponse } from '../contracts/api.js';
import { errorKind, errorMessage } from '../errors.js';
import type { EngineEvents } from '../events.js';
import type { Logger } from '../log/index.js';
import type { MarketplaceClient } from '../remote/types.js';
import type { CatalogueSync, ConflictDetector, TriggerOutcome } from '../services.js';
import type { Db } from '../store/database.js';
import { CategoriesRepo } from '../store/categoriesRepo.js';
import { RunsRepo } from '../store/runsRepo.js';
import { ItemErrorsRepo } from '../store/itemErrorsRepo.js';
import { SkillsRepo } from '../store/skillsRepo.js';
import type { Stamper } from '../store/stamp.js';
import { SyncStateRepo } from '../store/syncStateRepo.js';
import { TombstonesRepo } from '../store/tombstonesRepo.js';
import { runFullListing } from './fullListing.js';
import { instant } from '../remote/keysetCursor.js';
import { CURSOR_OVERLAP_MS, NEEDS_FULL, runIncrementalListing } from './incrementalListing.js';
import type { ListingOutcome, RunContext } from './runContext.js';
import { retryInvalidItems } from './invalidItems.js';
import { changedItems, emptyTally, SkillApplier, type ApplyTally } from './skillApplier.js';

export interface CatalogueSyncDeps {
  db: Db;
  client: MarketplaceClient;
  conflicts: ConflictDetector;
  events: EngineEvents;
  clock: Clock;
  log: Logger;
  stamp: Stamper;
  batchSize: number;
  /** A full listing at least this often (minutes), whatever the cursor says. */
  fullSyncIntervalMinutes?: number;
  enabled: boolean;
  demoMode: boolean;
  /** When the next scheduled run is (from the scheduler), for status. */
  nextSync?: () => string | null;
  paused?: () => boolean;
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
export class CatalogueSyncService implements CatalogueSync {
  readonly skills: SkillsRepo;
  readonly categories: CategoriesRepo;
  readonly state: SyncStateRepo;
  readonly runsRepo: RunsRepo;
  readonly tombstones: TombstonesRepo;
  readonly itemErrors: ItemErrorsRepo;
  readonly applier: SkillApplier;
  private active: ActiveRun | null = null;
  private stopping = false;
  private extensionMissingLogged = false;
  private lastErrorKind: ErrorKind | null = null;
  /** The remote's clock was seen behind the stored cursor: changes it stamps may sort before it. */
  private clockBehind = false;
  private readonly errors: RecentError[] = [];
  private counts: { skills: number; categories: number };

  constructor(private readonly deps: CatalogueSyncDeps) {
    this.skills = new SkillsRepo(deps.db);
    this.categories = new CategoriesRepo(deps.db);
    this.state = new SyncStateRepo(deps.db);
    this.runsRepo = new RunsRepo(deps.db);
    this.tombstones = new TombstonesRepo(deps.db);
    this.itemErrors = new ItemErrorsRepo(deps.db);
    this.applier = new SkillApplier(deps.db, this.skills, this.tombstones, this.itemErrors, deps.conflicts);
    const abandoned = this.runsRepo.closeAbandoned(isoNow(deps.clock));
    if (abandoned > 0) deps.log.warn('sync runs interrupted by a stop were closed as cancelled', { runs: abandoned });
    this.counts = { skills: this.skills.count(), categories: this.categories.count() };
  }

  get running(): boolean {
    return this.active !== null;
  }

  trigger(mode: SyncMode, reason: 'manual' | 'schedule' | 'websocket' | 'startup' | 'resume'): TriggerOutcome {
    if (this.stopping) return { accepted: false, reason: 'stopping', run_id: null };
    if (!this.deps.enabled) return { accepted: false, reason: 'disabled', run_id: null };
    if (this.active) return { accepted: false, reason: 'sync_in_progress', run_id: this.active.id };
    if (reason !== 'manual' && this.deps.paused?.()) return { accepted: false, reason: 'paused', run_id: null };
    const startedAt = this.deps.clock.now();
    const id = this.runsRepo.start('skills', mode, new Date(startedAt).toISOString());
    const abort = new AbortController();
    // Checks by id run 8 requests at once, plus the prefetched page, each listening on this signal.
    setMaxListeners(32, abort.signal);
    const run: ActiveRun = { id, mode, startedAt, progress: null, abort, done: Promise.resolve() };
    this.active = run;
    this.state.markAttempt('skills', isoNow(this.deps.clock));
    this.deps.log.info('sync started', { run_id: id, mode, reason });
    this.deps.events.emit('sync.started', { run_id: id, mode, at: new Date(startedAt).toISOString() });
    run.done = this.execute(run).finally(() => {
      this.active = null;
    });
    return { accepted: true, run_id: id, mode };
  }

  async idle(): Promise<void> {
    await this.active?.done;
  }

  /** Stops accepting runs and aborts the one in flight at its next request (a batch commits whole or not at all). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.active?.abort.abort(new Error('engine stopping'));
    await this.idle();
  }

  private async execute(run: ActiveRun): Promise<void> {
    const { deps } = this;
    const tally = emptyTally();
    let mode = run.mode;
    let operation: SyncOperation = 'categories';
    try {
      await this.syncCategories(run.abort.signal);
      operation = 'skills';
      const ctx = this.context(run, tally);
      // Items skipped as invalid on an earlier run are asked for again (a full listing re-reads them anyway).
      if (mode === 'incremental') await retryInvalidItems(ctx);
      const cursor = this.state.get('skills')?.cursor ?? null;
      let outcome: ListingOutcome | typeof NEEDS_FULL = NEEDS_FULL;
      let reason = cursor === null ? 'no cursor yet' : 'no incremental listing';
      if (cursor !== null && this.clockBehind) reason = 'the remote clock was behind the cursor';
      else if (cursor !== null && this.fullListingDue()) reason = 'periodic full listing';
      const listAll = reason !== 'no incremental listing';
      if (mode === 'incremental' && cursor !== null && !listAll && !this.state.get('skills')?.resume) {
        outcome = await runIncrementalListing(ctx, cursor);
        if (outcome === NEEDS_FULL && !this.extensionMissingLogged) {
          this.extensionMissingLogged = true;
          deps.log.warn('remote does not list changes since a cursor (updated_since); using full listings');
        }
      }
      if (outcome === NEEDS_FULL) {
        if (mode === 'incremental') deps.log.info('running a full listing', { run_id: run.id, reason });
        mode = 'full';
        this.runsRepo.setMode(run.id, mode);
        run.mode = mode;
        const sawClockBehind = this.clockBehind;
        outcome = await runFullListing(ctx);
        if (sawClockBehind) this.clockBehind = false;
      }
      this.finishSuccess(run, mode, outcome, tally);
    } catch (error) {
      this.finishFailure(run, mode, operation, error, tally);
    }
  }

  private async syncCategories(signal: AbortSignal): Promise<void> {
    this.setProgress('categories', 0, null);
    const categories = await this.deps.client.listCategories(signal);
    const now = isoNow(this.deps.clock);
    this.deps.db.transaction(() => {
      this.categories.replaceAll(categories, this.deps.stamp());
      this.state.markSuccess('categories', now, categories.length);
    }).immediate();
  }

  private context(run: ActiveRun, tally: ApplyTally): RunContext {
    return {
      db: this.deps.db,
      client: this.deps.client,
      applier: this.applier,
      skills: this.skills,
      tombstones: this.tombstones,
      itemErrors: this.itemErrors,
      state: this.state,
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

  private finishSuccess(run: ActiveRun, mode: SyncMode, outcome: ListingOutcome, tally: ApplyTally): void {
    const { deps } = this;
    const now = isoNow(deps.clock);
    const durationMs = deps.clock.now() - run.startedAt;
    // A clock seen behind the cursor during the run: no cursor, so the next run lists everything.
    this.state.markSuccess('skills', now, outcome.items, this.clockBehind && mode === 'incremental' ? null : outcome.cursor);
    this.runsRepo.finish(run.id, { finishedAt: now, result: 'success', items: outcome.items, durationMs });
    this.runsRepo.prune(1000);
    this.lastErrorKind = null;
    this.refreshCounts();
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
      skills_cached: this.counts.skills,
      categories_cached: this.counts.categories,
      duration_ms: durationMs,
    });
    deps.events.emit('sync.finished', {
      run_id: run.id,
      mode,
      result: 'success',
      items: outcome.items,
      skipped: tally.skipped,
      duration_ms: durationMs,
      error: null,
      error_kind: null,
      at: now,
    });
  }

  private finishFailure(run: ActiveRun, mode: SyncMode, operation: SyncOperation, error: unknown, tally: ApplyTally): void {
    const { deps } = this;
    const now = isoNow(deps.clock);
    const durationMs = deps.clock.now() - run.startedAt;
    const cancelled = this.stopping && run.abort.signal.aborted;
    const kind = errorKind(error);
    const message = errorMessage(error);
    const items = changedItems(tally);
    this.runsRepo.finish(run.id, { finishedAt: now, result: cancelled ? 'cancelled' : 'failure', items, error: message, errorKind: kind, durationMs });
    this.refreshCounts();
    if (cancelled) {
      this.state.setStatus('skills', now, 'idle');
      deps.log.info('sync stopped with the engine; it resumes from its last batch', { run_id: run.id, mode, items, duration_ms: durationMs });
    } else {
      this.state.markFailure('skills', now, message);
      this.lastErrorKind = kind;
      this.recordError(operation, kind, message);
      deps.log.error('sync failed', { run_id: run.id, mode, kind, items, error: message, skills_cached: this.counts.skills, duration_ms: durationMs });
    }
    deps.events.emit('sync.finished', {
      run_id: run.id,
      mode,
      result: cancelled ? 'cancelled' : 'failure',
      items,
      skipped: tally.skipped,
      duration_ms: durationMs,
      error: cancelled ? null : message,
      error_kind: cancelled ? null : kind,
      at: now,
    });
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
    const last = this.runsRepo.lastFullSuccess('skills');
    const intervalMs = (this.deps.fullSyncIntervalMinutes ?? 1440) * 60_000;
    return last === null || this.deps.clock.now() - Date.parse(last) > intervalMs;
  }

  /**
   * Every answer's Date header. A remote clock seen behind the cursor (stepped back) stamps
   * changes that no updated_since listing will return, even once it is right again: the cursor
   * is dropped, so the next run lists everything.
   */
  noteServerTime(serverTimeMs: number): void {
    if (this.clockBehind) return;
    const cursor = instant(this.state.get('skills')?.cursor);
    if (!(serverTimeMs < cursor - CURSOR_OVERLAP_MS)) return;
    this.clockBehind = true;
    this.deps.log.warn('the remote clock is behind the sync cursor; the next sync lists everything', {
      server_time: new Date(serverTimeMs).toISOString(),
    });
    try {
      this.deps.db.transaction(() => this.state.saveProgress('skills', isoNow(this.deps.clock), { cursor: null })).immediate();
    } catch (error) {
      this.deps.log.warn('sync cursor not cleared; the next run clears it', { error: errorMessage(error) });
    }
  }

  /** A remote item that failed validation outside a listing (a pushed frame): listed, retried next run. */
  recordInvalidItem(skillId: string, reason: string): void {
    this.deps.db.transaction(() => this.itemErrors.record('skills', skillId, reason, this.deps.stamp())).immediate();
    this.recordError('websocket', 'invalid_item', `${skillId}: ${reason}`);
  }

  /** Re-reads the cached counts (after a run, or after rows changed outside a run). */
  refreshCounts(): void {
    this.counts = { skills: this.skills.count(), categories: this.categories.count() };
    this.deps.events.emit('catalogue.counts', { skills_cached: this.counts.skills, categories_cached: this.counts.categories });
  }

  /** Cheap count upkeep for single changes (socket frames). */
  adjustSkillCount(delta: number): void {
    if (delta === 0) return;
    this.counts.skills = Math.max(0, this.counts.skills + delta);
    this.deps.events.emit('catalogue.counts', { skills_cached: this.counts.skills, categories_cached: this.counts.categories });
  }

  status(): SyncStatusResponse {
    const row = this.state.get('skills');
    const lastSync = row?.last_sync ?? null;
    const now = this.deps.clock.now();
    return {
      status: !this.deps.enabled ? 'disabled' : this.active ? 'syncing' : 'idle',
      paused: this.deps.paused?.() ?? false,
      mode: this.active?.mode ?? null,
      run_id: this.active?.id ?? null,
      last_sync: lastSync,
      sync_age_minutes: lastSync ? Math.max(0, Math.floor((now - Date.parse(lastSync)) / 60_000)) : null,
      skills_cached: this.counts.skills,
      categories_cached: this.counts.categories,
      last_error: row?.last_error ?? null,
      last_error_kind: row?.last_error ? this.lastErrorKind : null,
      next_sync: this.deps.nextSync?.() ?? null,
      progress: this.active?.progress ?? null,
      consecutive_failures: this.runsRepo.consecutiveFailures('skills'),
      invalid_items: this.itemErrors.count('skills'),
      demo_mode: this.deps.demoMode,
    };
  }

  runs(limit: number): RunSummary[] {
    return this.runsRepo.recent(limit);
  }

  recentErrors(): RecentError[] {
    return [...this.errors];
  }

  invalidItems(limit: number): { invalid_items: InvalidItemSummary[]; invalid_total: number } {
    return { invalid_items: this.itemErrors.page('skills', '', limit), invalid_total: this.itemErrors.count('skills') };
  }
}
