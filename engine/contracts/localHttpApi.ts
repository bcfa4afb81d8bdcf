/**
 * Shapes of the local HTTP API (docs/contracts/local-http-api.md). snake_case on the wire,
 * timestamps ISO 8601 UTC with `Z`. The renderer imports these types only (no runtime code).
 */

export type ErrorKind =
  | 'auth'
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'network'
  | 'invalid_response'
  | 'invalid_item'
  | 'rejected'
  | 'not_found'
  | 'database'
  /** Another process held the database lock past the store's limit; the work is retried. */
  | 'database_busy'
  /** A forward proxy asked for credentials (407) that were missing or wrong. */
  | 'proxy_auth'
  | 'internal';

export type SyncOperation =
  | 'skills'
  | 'categories'
  | 'ratings_upload'
  | 'ratings_download'
  | 'websocket'
  | 'conflicts';

export interface ApiError {
  error: string;
  detail: string;
}

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';
export interface HealthCheck {
  healthy: boolean;
  status: HealthStatus;
  detail: string;
}
/** GET /health/sync (200 healthy|degraded, 503 unhealthy) */
export interface HealthResponse {
  status: HealthStatus;
  last_sync: string | null;
  sync_age_minutes: number | null;
  websocket_connected: boolean;
  scheduler_running: boolean;
  recent_errors: number;
  checks: {
    last_sync: HealthCheck;
    websocket: HealthCheck;
    scheduler: HealthCheck;
    errors: HealthCheck;
    /** Degraded while another process (the local Atom app) holds the database lock. */
    database: HealthCheck;
  };
}

export type SyncMode = 'incremental' | 'full';
export interface SyncProgress {
  phase: 'categories' | 'skills' | 'sweep' | 'finishing';
  done: number;
  total: number | null;
}
/** GET /api/admin/sync/status */
export interface SyncStatusResponse {
  status: 'idle' | 'syncing' | 'disabled';
  paused: boolean;
  /** When a timed pause ends by itself; null for no pause or a pause until resumed. */
  paused_until: string | null;
  mode: SyncMode | null;
  run_id: number | null;
  last_sync: string | null;
  sync_age_minutes: number | null;
  skills_cached: number;
  categories_cached: number;
  last_error: string | null;
  last_error_kind: ErrorKind | null;
  next_sync: string | null;
  progress: SyncProgress | null;
  consecutive_failures: number;
  /** Remote items skipped as invalid and not yet served valid (GET /api/admin/sync/errors lists them). */
  invalid_items: number;
  demo_mode: boolean;
}

/** POST /api/admin/sync/trigger -> 202 */
export interface TriggerResponse {
  accepted: true;
  run_id: number;
  mode: SyncMode;
}

/** GET /api/admin/sync/runs?limit=&stream= (history for the dashboard chart) */
export interface RunSummary {
  id: number;
  stream: string;
  mode: string;
  started_at: string;
  finished_at: string | null;
  result: 'running' | 'success' | 'failure' | 'cancelled';
  items: number;
  duration_ms: number | null;
  error: string | null;
  error_kind: string | null;
}
export interface RunsResponse {
  items: RunSummary[];
}

/** GET /api/admin/sync/errors (recent errors, newest first, in memory) */
export interface RecentError {
  at: string;
  operation: SyncOperation;
  kind: ErrorKind;
  message: string;
}
/** A remote item skipped as invalid: kept locally as it was, tried again each run. */
export interface InvalidItemSummary {
  stream: string;
  item_id: string;
  reason: string;
  attempts: number;
  first_seen_at: string;
  last_seen_at: string;
}
export interface RecentErrorsResponse {
  items: RecentError[];
  invalid_items: InvalidItemSummary[];
  invalid_total: number;
}

/** GET /api/admin/sync/ratings/status */
export interface RatingStatusResponse {
  status: 'idle' | 'syncing' | 'disabled';
  last_sync: string | null;
  pending_count: number;
  uploaded_total: number;
  failed_count: number;
  last_error: string | null;
}

/** GET /api/admin/sync/ratings/failed-uploads?limit&offset */
export interface FailedUpload {
  id: number;
  rating_id: string;
  skill_id: string;
  skill_name: string | null;
  rating: number;
  comment: string | null;
  error: string;
  attempts: number;
  first_failed_at: string;
  last_attempt_at: string;
  next_retry_at: string | null;
}
export interface FailedUploadsResponse {
  items: FailedUpload[];
  total: number;
}
/** POST /api/admin/sync/ratings/failed-uploads/{id}/retry */
export interface RetryResponse {
  id: number;
  result: 'uploaded' | 'failed';
  error: string | null;
}

export type WebSocketState = 'connecting' | 'connected' | 'backoff' | 'disabled' | 'auth_failed';
/** GET /api/admin/sync/websocket/status */
export interface WebSocketStatusResponse {
  connected: boolean;
  last_message: string | null;
  reconnect_count: number;
  enabled: boolean;
  state: WebSocketState;
  next_retry_at: string | null;
  connected_since: string | null;
  last_error: string | null;
}

export type ConflictType = 'both_modified' | 'deleted_remotely' | 'version_regression';
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type ResolutionStrategy = 'local_wins' | 'remote_wins' | 'merge';
export const RESOLUTION_STRATEGIES: readonly ResolutionStrategy[] = ['local_wins', 'remote_wins', 'merge'];

export interface ConflictSummary {
  id: number;
  entity_type: 'skill';
  entity_id: string;
  entity_name: string | null;
  conflict_type: ConflictType;
  severity: Severity;
  /** Fields both sides changed to different values. */
  clashing_fields: string[];
  status: 'unresolved' | 'resolved';
  detected_at: string;
  updated_at: string;
  strategy: ResolutionStrategy | null;
  resolved_at: string | null;
  resolved_by: string | null;
}
export interface ConflictField {
  field: string;
  base: unknown;
  local: unknown;
  remote: unknown;
  /** true when only one side changed it (or both the same way); false = clash. */
  mergeable: boolean;
  severity: Severity;
}
export interface ConflictDetail extends ConflictSummary {
  local: Record<string, unknown> | null;
  remote: Record<string, unknown> | null;
  base: Record<string, unknown> | null;
  fields: ConflictField[];
  resolution: Record<string, unknown> | null;
}
export interface ConflictListResponse {
  items: ConflictSummary[];
  total: number;
}
/** POST /conflicts/{id}/resolve?strategy= body for merge: {"fields": {"<field>": "local"|"remote"|{"value": any}}} */
export type MergeChoice = 'local' | 'remote' | { value: unknown };
export interface ResolveBody {
  fields?: Record<string, MergeChoice>;
}
export interface ResolveResponse {
  id: number;
  status: 'resolved';
  strategy: ResolutionStrategy;
  resolved_at: string;
  resolved_by: string;
  /** The skill as written to community_skills (null when the resolution deleted it). */
  applied: Record<string, unknown> | null;
}
export interface BulkResolveResponse {
  resolved: number;
  failed: Array<{ id: number | string; error: string }>;
}

/** Server-sent events at GET /api/admin/sync/events: `event: <name>` + `data: <json>` */
export type LiveEventName =
  | 'status'
  | 'sync.progress'
  | 'sync.finished'
  | 'websocket.state'
  | 'ratings.status'
  | 'conflicts.counts'
  | 'sync.error'
  | 'config.changed';

/** Engine events passed through to live clients (SSE and the desktop bridge) under these names. */
export const LIVE_FORWARDED = {
  'sync.progress': 'sync.progress',
  'sync.finished': 'sync.finished',
  'websocket.state': 'websocket.state',
  'ratings.status': 'ratings.status',
  'conflicts.counts': 'conflicts.counts',
  'sync.error': 'sync.error',
  'config.changed': 'config.changed',
} as const satisfies Record<string, LiveEventName>;

export interface ConflictCounts {
  unresolved: number;
  by_severity: Record<Severity, number>;
}

/**
 * The one status object (GET /api/admin/sync/snapshot, SSE `status`), built in one place
 * and read by the API, the tray and the UI alike.
 */
export interface EngineSnapshot {
  at: string;
  demo_mode: boolean;
  sync: SyncStatusResponse;
  health: HealthResponse;
  websocket: WebSocketStatusResponse;
  ratings: RatingStatusResponse;
  conflicts: ConflictCounts;
  /** Where the HTTP API listens, or why it could not (port taken). */
  api: { listening: boolean; url: string | null; error: string | null };
  /** Replicas on one PostgreSQL database elect a leader; a lone engine always leads. */
  replica: { role: 'leader' | 'standby'; instance_id: string; leader_id: string | null };
}

/** How a setting came to have its value: the environment wins and cannot be changed from here. */
export type SettingSource = 'environment' | 'saved' | 'default';

/** One field of GET /api/admin/sync/settings, named as GET /config names it (`api_token` for the token). */
export interface SettingField {
  name: string;
  /** The variable that sets it (`ATOM_SAAS_SYNC_INTERVAL_MINUTES`). */
  env: string;
  label: string;
  type: 'url' | 'integer' | 'boolean' | 'choice' | 'secret';
  /** Always null for a secret: it is never sent back. */
  value: string | number | boolean | null;
  /** For a secret: whether one is set. */
  configured?: boolean;
  source: SettingSource;
  /** False when the environment sets it or the engine cannot save settings. */
  editable: boolean;
  min?: number;
  max?: number;
  unit?: string;
  choices?: readonly string[];
  help?: string;
}

/** GET /api/admin/sync/settings */
export interface SettingsResponse {
  fields: SettingField[];
  /** False when this engine was given fixed settings; `reason` says why. */
  can_save: boolean;
  reason: string | null;
}

/**
 * PUT /api/admin/sync/config: a partial object of editable fields (null puts a field back to its
 * default; `api_token: null` forgets the token). 200 with the new public config, or 400
 * `{error: "invalid_setting", detail, field}` naming the first bad field.
 */
export type ConfigUpdate = Readonly<Record<string, string | number | boolean | null>>;

/** What a test connection found, in words a person can act on. */
export type ConnectionOutcome =
  | 'ok'
  | 'auth'
  | 'host_not_found'
  | 'tls'
  | 'proxy_auth'
  | 'timeout'
  | 'unreachable'
  | 'http_error'
  | 'invalid_response';

/** POST /api/admin/sync/test-connection (body: `{api_url?, api_token?}`; omitted fields use the saved ones). */
export interface ConnectionTestResult {
  ok: boolean;
  outcome: ConnectionOutcome;
  /** One plain sentence: what happened and what to do. */
  message: string;
  /** The HTTP status the remote (or the proxy) answered, when it answered. */
  status: number | null;
  /** Skills in the remote catalogue, when the call worked. */
  catalogue_size: number | null;
  elapsed_ms: number;
}
