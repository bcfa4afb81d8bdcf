import { EventEmitter } from 'node:events';
import type {
  ConflictCounts,
  ErrorKind,
  RatingStatusResponse,
  ResolutionStrategy,
  Severity,
  SyncMode,
  SyncOperation,
  SyncProgress,
  WebSocketStatusResponse,
} from './contracts/localHttpApi.js';

/** Everything the engine tells its observers (metrics, health, API live stream, tray). */
export interface EngineEventMap {
  'sync.started': { run_id: number; mode: SyncMode; at: string };
  'sync.progress': { run_id: number; mode: SyncMode; progress: SyncProgress };
  'sync.finished': {
    run_id: number;
    mode: SyncMode;
    result: 'success' | 'failure' | 'cancelled';
    items: number;
    /** Items skipped as invalid (listed by GET /api/admin/sync/errors, tried again next run). */
    skipped: number;
    duration_ms: number;
    error: string | null;
    error_kind: ErrorKind | null;
    at: string;
  };
  /** One failed operation (a request that gave up, an invalid item skipped, a dropped frame). */
  'sync.error': { operation: SyncOperation; kind: ErrorKind; message: string; at: string };
  'catalogue.counts': { skills_cached: number; categories_cached: number };
  'websocket.state': WebSocketStatusResponse;
  'websocket.message': { type: string };
  'websocket.reconnect': { reconnect_count: number };
  /** Outcome of uploading `count` ratings. */
  'ratings.upload': { result: 'accepted' | 'duplicate' | 'rejected' | 'failed'; count: number };
  'ratings.status': RatingStatusResponse;
  'conflict.detected': { id: number; entity_id: string; severity: Severity; conflict_type: string; created: boolean };
  'conflict.resolved': { id: number; entity_id: string; strategy: ResolutionStrategy; resolved_by: string };
  'conflicts.counts': ConflictCounts;
  'scheduler.state': { running: boolean; next_sync: string | null; paused: boolean };
  /** Another process has held the database lock since `since` (ISO), or released it (null). */
  'store.busy': { since: string | null };
  /** The store's WAL checkpoint failed; `fallback`: SQLite's automatic checkpoints took over. */
  'store.checkpoint_error': { message: string; fallback: boolean };
  /** PostgreSQL cannot be reached since `since` (`error` says why, never with the password); null: it answers again. */
  'store.unreachable': { since: string | null; error: string | null };
  /** The machine woke from sleep (from the desktop shell). */
  'system.resumed': { at: string };
  /** Settings changed and were applied; `fields` are the public names that changed. */
  'config.changed': { fields: string[]; remote_restarted: boolean };
  /** The remote client retries a request of `operation` after this error (the catalogue lists it as a sync error). */
  'remote.retry': { operation: SyncOperation; kind: ErrorKind; message: string };
  /** The remote sent an item that failed validation: it is skipped. */
  'remote.invalid_item': { skill_id: string | null; reason: string };
  /** The remote's clock, from an answer's Date header (ms since the epoch). */
  'remote.server_time': { server_time_ms: number };
}

export type EngineEventName = keyof EngineEventMap;

/** A typed event bus; listeners never throw into the emitter (errors are logged by the owner). */
export class EngineEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  emit<K extends EngineEventName>(name: K, payload: EngineEventMap[K]): void {
    this.emitter.emit(name, payload);
  }

  on<K extends EngineEventName>(name: K, listener: (payload: EngineEventMap[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  /**
   * Subscribes to every event observers see (the live stream, the metrics cache). The remote
   * client's reports (`remote.*`, one per answer) stay out: what they change comes as its own event.
   */
  onAny(listener: <K extends EngineEventName>(name: K, payload: EngineEventMap[K]) => void): () => void {
    const names: EngineEventName[] = [
      'sync.started', 'sync.progress', 'sync.finished', 'sync.error', 'catalogue.counts',
      'websocket.state', 'websocket.message', 'websocket.reconnect', 'ratings.upload', 'ratings.status',
      'conflict.detected', 'conflict.resolved', 'conflicts.counts', 'scheduler.state', 'system.resumed', 'store.busy', 'store.checkpoint_error',
      'store.unreachable', 'config.changed',
    ];
    const offs = names.map((name) => this.on(name, (payload) => listener(name, payload as never)));
    return () => offs.forEach((off) => off());
  }
}
