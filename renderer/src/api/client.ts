import type {
  BulkResolveResponse,
  ConflictDetail,
  ConflictListResponse,
  ConfigUpdate,
  ConnectionTestResult,
  EngineSnapshot,
  FailedUploadsResponse,
  HealthResponse,
  MergeChoice,
  RecentErrorsResponse,
  ResolutionStrategy,
  ResolveResponse,
  RetryResponse,
  RunsResponse,
  SettingsResponse,
  Severity,
  SyncMode,
  SyncStatusResponse,
  TriggerResponse,
} from '../../../engine/contracts/localHttpApi.js';
import type { BridgeMethod } from '../../../engine/contracts/bridge.js';
import type { PublicConfig } from '../../../engine/contracts/publicConfig.js';
import { ApiError } from './apiError.js';
import type { Transport } from './transport.js';

const ADMIN = '/api/admin/sync';

/** The diagnostics bundle written on the engine's machine (POST /support-bundle). */
export interface SavedBundle {
  path: string;
  bytes: number;
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

export interface LogLevelResponse {
  level: LogLevel;
  previous?: LogLevel;
  reverts_on_restart: boolean;
}

/** What a test connection checks; omitted fields are tested with the saved ones. */
export interface ConnectionTestRequest {
  api_url?: string;
  api_token?: string;
}

/** Where the browser downloads the diagnostics bundle (a plain link: the engine answers with a .tar.gz). */
export const SUPPORT_BUNDLE_PATH = '/api/admin/sync/support-bundle';

export interface Accepted {
  accepted: boolean;
  [key: string]: unknown;
}

export interface ConflictQuery {
  status?: 'unresolved' | 'resolved' | 'all';
  severity?: Severity | null;
  limit?: number;
  offset?: number;
}

/** `?a=1&b=2` from the defined entries, '' when there are none. */
export function queryString(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

function parseBody(body: unknown): { ok: true; value: unknown } | { ok: false; text: string } {
  if (typeof body !== 'string') return { ok: true, value: body ?? null };
  if (body.trim() === '') return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false, text: body };
  }
}

/** The `{error, detail}` body as an ApiError; anything else still becomes a readable one. */
export function toApiError(status: number, body: unknown): ApiError {
  const parsed = parseBody(body);
  if (parsed.ok && parsed.value !== null && typeof parsed.value === 'object' && !Array.isArray(parsed.value)) {
    const { error, detail, ...extra } = parsed.value as Record<string, unknown>;
    if (typeof error === 'string') {
      return new ApiError(status, error, typeof detail === 'string' && detail ? detail : `The engine refused the request (${error}).`, extra);
    }
  }
  const snippet = parsed.ok ? '' : `: ${parsed.text.replace(/\s+/g, ' ').slice(0, 120)}`;
  return new ApiError(status, `http_${status}`, `The engine answered with HTTP ${status}${snippet}.`);
}

/** Typed calls for every route the UI uses; one transport underneath (fetch or the Electron bridge). */
export class ApiClient {
  /**
   * `desktop`: requests go over the Electron bridge, which carries text only, so files are
   * written on the engine's side instead of downloaded.
   */
  constructor(
    private readonly transport: Transport,
    readonly desktop = false,
  ) {}

  /** Sends one request; 2xx (and any status in `alsoOk`) returns the parsed body, anything else throws ApiError. */
  async request<T>(method: BridgeMethod, path: string, body?: unknown, alsoOk: readonly number[] = []): Promise<T> {
    let response;
    try {
      response = await this.transport(body === undefined ? { method, path } : { method, path, body });
    } catch (error) {
      if (error instanceof ApiError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new ApiError(0, 'unreachable', `The sync engine could not be reached (${reason}). Check that Atom Sync is running.`);
    }
    if ((response.status >= 200 && response.status < 300) || alsoOk.includes(response.status)) {
      const parsed = parseBody(response.body);
      if (!parsed.ok) throw new ApiError(response.status, 'invalid_response', 'The engine answered with something that is not JSON.');
      return parsed.value as T;
    }
    throw toApiError(response.status, response.body);
  }

  snapshot(): Promise<EngineSnapshot> {
    return this.request('GET', `${ADMIN}/snapshot`);
  }
  /** 503 carries a full health body too (probe semantics), so it is an answer, not an error. */
  health(): Promise<HealthResponse> {
    return this.request('GET', '/health/sync', undefined, [503]);
  }
  status(): Promise<SyncStatusResponse> {
    return this.request('GET', `${ADMIN}/status`);
  }
  runs(limit = 30): Promise<RunsResponse> {
    return this.request('GET', `${ADMIN}/runs${queryString({ limit })}`);
  }
  errors(): Promise<RecentErrorsResponse> {
    return this.request('GET', `${ADMIN}/errors`);
  }
  config(): Promise<PublicConfig> {
    return this.request('GET', `${ADMIN}/config`);
  }
  settings(): Promise<SettingsResponse> {
    return this.request('GET', `${ADMIN}/settings`);
  }
  /** Only the fields that change; null puts one back to its default (`api_token: null` forgets the token). */
  updateConfig(update: ConfigUpdate): Promise<PublicConfig> {
    return this.request('PUT', `${ADMIN}/config`, update);
  }
  testConnection(body: ConnectionTestRequest): Promise<ConnectionTestResult> {
    return this.request('POST', `${ADMIN}/test-connection`, body);
  }
  saveSupportBundle(): Promise<SavedBundle> {
    return this.request('POST', SUPPORT_BUNDLE_PATH);
  }
  logLevel(): Promise<LogLevelResponse> {
    return this.request('GET', `${ADMIN}/log-level`);
  }
  setLogLevel(level: LogLevel): Promise<LogLevelResponse> {
    return this.request('POST', `${ADMIN}/log-level`, { level });
  }
  trigger(mode: SyncMode): Promise<TriggerResponse> {
    return this.request('POST', `${ADMIN}/trigger${queryString({ mode })}`);
  }
  /** Without `minutes`, until resumed. */
  pause(minutes?: number): Promise<Accepted> {
    return this.request('POST', `${ADMIN}/pause`, minutes === undefined ? undefined : { minutes });
  }
  resume(): Promise<Accepted> {
    return this.request('POST', `${ADMIN}/resume`);
  }
  reconnectWebSocket(): Promise<Accepted> {
    return this.request('POST', `${ADMIN}/websocket/reconnect`);
  }
  syncRatings(): Promise<Accepted> {
    return this.request('POST', `${ADMIN}/ratings`);
  }
  failedUploads(limit = 50, offset = 0): Promise<FailedUploadsResponse> {
    return this.request('GET', `${ADMIN}/ratings/failed-uploads${queryString({ limit, offset })}`);
  }
  retryUpload(id: number): Promise<RetryResponse> {
    return this.request('POST', `${ADMIN}/ratings/failed-uploads/${encodeURIComponent(String(id))}/retry`);
  }
  retryAllUploads(): Promise<Accepted & { queued?: number }> {
    return this.request('POST', `${ADMIN}/ratings/failed-uploads/retry-all`);
  }
  conflicts(query: ConflictQuery = {}): Promise<ConflictListResponse> {
    const { status = 'unresolved', severity, limit = 50, offset = 0 } = query;
    return this.request('GET', `${ADMIN}/conflicts${queryString({ status, severity, limit, offset })}`);
  }
  conflict(id: number): Promise<ConflictDetail> {
    return this.request('GET', `${ADMIN}/conflicts/${encodeURIComponent(String(id))}`);
  }
  /** `fields` only for merge: a choice per clashing field. */
  resolveConflict(id: number, strategy: ResolutionStrategy, fields?: Record<string, MergeChoice>): Promise<ResolveResponse> {
    const path = `${ADMIN}/conflicts/${encodeURIComponent(String(id))}/resolve${queryString({ strategy })}`;
    return this.request('POST', path, fields ? { fields } : undefined);
  }
  bulkResolve(strategy: ResolutionStrategy, conflictIds: readonly number[]): Promise<BulkResolveResponse> {
    return this.request('POST', `${ADMIN}/conflicts/bulk-resolve${queryString({ strategy })}`, { conflict_ids: conflictIds });
  }
}
