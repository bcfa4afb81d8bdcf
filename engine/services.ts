/**
 * The service surfaces the composition root wires together. The HTTP API, the Electron shell
 * and the tests depend on these interfaces, not on the classes behind them.
 */
import type {
  BulkResolveResponse,
  ConflictCounts,
  ConflictDetail,
  ConflictListResponse,
  FailedUploadsResponse,
  RatingStatusResponse,
  InvalidItemSummary,
  RecentError,
  ResolutionStrategy,
  ResolveBody,
  ResolveResponse,
  RetryResponse,
  RunSummary,
  Severity,
  SyncMode,
  SyncStatusResponse,
  WebSocketStatusResponse,
} from './contracts/localHttpApi.js';
import type { RemoteSkill } from './contracts/remote.js';
import type { SkillRow } from './store/skillsRepo.js';

export type TriggerOutcome =
  | { accepted: true; run_id: number; mode: SyncMode }
  | { accepted: false; reason: 'sync_in_progress' | 'disabled' | 'paused' | 'stopping'; run_id: number | null };

/** Why a run starts: `database_free` is the run a locked database held back, `settings` the first after a settings change, `takeover` the first of a new leader. */
export type TriggerReason = 'manual' | 'schedule' | 'websocket' | 'startup' | 'resume' | 'database_free' | 'settings' | 'takeover';

/** Catalogue sync: skills and categories. */
export interface CatalogueSync {
  /**
   * Starts a run unless one is running; resolves once the run is recorded (it goes on in the
   * background). Rejects when the store cannot record it (a database locked past the limit).
   */
  trigger(mode: SyncMode, reason: TriggerReason): Promise<TriggerOutcome>;
  /** Resolves when the run in progress (if any) ends. */
  idle(): Promise<void>;
  status(): SyncStatusResponse;
  runs(limit: number): Promise<RunSummary[]>;
  recentErrors(): RecentError[];
  /** Remote items skipped as invalid, first `limit` by id, and how many there are. */
  invalidItems(limit: number): Promise<{ invalid_items: InvalidItemSummary[]; invalid_total: number }>;
}

export interface SchedulerControl {
  readonly running: boolean;
  readonly paused: boolean;
  /** Without `forMs`, until resumed; a timed pause ends by itself. */
  pause(forMs?: number): void;
  pausedUntil(): string | null;
  resume(): void;
  nextSync(): string | null;
}

export interface WebSocketControl {
  status(): WebSocketStatusResponse;
  /** Drops the socket (if any) and connects again now; also clears an auth failure. */
  reconnect(): void;
}

export interface RatingSync {
  /** Uploads pending local ratings and downloads remote ones, unless a rating sync is running. */
  trigger(): { accepted: boolean; reason?: 'in_progress' | 'disabled' };
  /** Runs one rating sync and resolves when it ends (scheduler and tests). */
  syncNow(): Promise<void>;
  /** Answers at once from counts kept on the service: read after each run, rating and retry, and again in the background after each call. */
  status(): RatingStatusResponse;
  failedUploads(limit: number, offset: number): Promise<FailedUploadsResponse>;
  /** Retries one failed upload now; rejects with EngineError not_found (404) for an unknown id. */
  retry(id: number): Promise<RetryResponse>;
  /** Starts retrying every failed upload; resolves with how many were queued. */
  retryAll(): Promise<{ accepted: true; queued: number }>;
  /** Records a rating made in the local Atom (the local app may also insert rows directly); 400 invalid_rating. */
  addLocalRating(input: { skill_id: string; user_id: string; rating: number; comment?: string | null }): Promise<{ id: string }>;
}

/** Conflicts as the API and the shell see them; the work runs in the store worker. */
export interface ConflictResolution {
  list(query: { status: 'unresolved' | 'resolved' | 'all'; severity?: Severity; limit: number; offset: number }): Promise<ConflictListResponse>;
  /** Rejects with EngineError not_found for an unknown id. */
  get(id: number): Promise<ConflictDetail>;
  /**
   * Throws EngineError: not_found 404, already_resolved 409, merge_not_possible 409 (extra.fields
   * lists the clashing fields), invalid_merge_choice 400.
   */
  resolve(id: number, strategy: ResolutionStrategy, body: ResolveBody, resolvedBy: string): Promise<ResolveResponse>;
  /** ids null = every unresolved conflict. Unknown or already resolved ids are reported in `failed`. */
  bulkResolve(ids: ReadonlyArray<number | string> | null, strategy: ResolutionStrategy, resolvedBy: string): Promise<BulkResolveResponse>;
  /** Kept current from the store's conflict events: no query per call. */
  counts(): ConflictCounts;
}

/**
 * Called by the catalogue sync inside its batch transaction when a remote change meets a row
 * that must not simply be overwritten. Implementations write only through the store.
 */
export interface ConflictDetector {
  /** Whether an unresolved conflict is open for this skill. */
  hasOpen(skillId: string): boolean;
  /**
   * A remote version of a skill that is locally modified, has an open conflict, or regresses the
   * version. Returns what happened: recorded as a conflict, merged cleanly (row written), or applied.
   */
  onRemoteUpdate(row: SkillRow, remote: RemoteSkill, now: string): 'conflict' | 'merged' | 'applied';
  /** The remote deleted a skill the local Atom modified (or with an open conflict). */
  onRemoteDelete(row: SkillRow, now: string): 'conflict' | 'deleted';
}

