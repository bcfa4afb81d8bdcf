import { EngineError } from '../errors.js';
import type { EngineEventMap, EngineEventName, EngineEvents } from '../events.js';
import type { Logger } from '../log/index.js';
import type { StoreDatabase } from '../store/backend.js';
import { StoreClient, type Notice } from '../store/client.js';
import { DatabaseConnectionError } from '../store/pg/connection.js';
import { SchemaTooNewError } from '../store/storeErrors.js';
import type { SerializedError } from '../store/worker/protocol.js';
import type { StoreTreeConfig, StoreTree } from './tree.js';

export type EngineStore = StoreClient<StoreTree>;

export type { StoreDatabase } from '../store/backend.js';

export interface OpenStoreOptions extends Partial<StoreTreeConfig> {
  /** Where the store lives. */
  database?: StoreDatabase;
  /** A SQLite file: the same as `database: { kind: 'sqlite', file }` (one of the two is needed). */
  file?: string;
  /** PostgreSQL: how long one statement may run before it fails (kind `database`). */
  statementTimeoutMs?: number;
  /** PostgreSQL: how long one connect attempt may take. */
  connectTimeoutMs?: number;
  /** How long a unit waits out another process's lock before failing with database_busy. */
  busyLimitMs?: number;
  /** Passive WAL checkpoints this often; 0 leaves them to SQLite. */
  checkpointIntervalMs?: number;
  /** Where worker events go (the engine's bus). */
  events?: EngineEvents;
  log?: Logger;
  /** Told when the database is locked by another process (since, ms) and when it is free again (null). */
  onBusy?: (since: number | null) => void;
  onCheckpointError?: (message: string, fallback: boolean) => void;
  /**
   * PostgreSQL: told when calls start failing because the server cannot be reached or the session
   * was lost (since, ms, and the plain error, which never holds the password), and when one
   * succeeds again (null).
   */
  onUnreachable?: (since: number | null, error: string | null) => void;
}

/** Failures that say the database is out of reach, not that a statement was wrong. */
const UNREACHABLE_REASONS = new Set(['connect', 'lost', 'timeout']);

const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

function reviveError(error: SerializedError): Error | undefined {
  const p = error.props;
  if (error.name === 'EngineError') {
    return new EngineError(String(p.code), Number(p.status), String(p.detail ?? error.message), (p.extra as Record<string, unknown>) ?? {});
  }
  if (error.name === 'SchemaTooNewError') {
    const revived = new SchemaTooNewError(Number(p.found), Number(p.supported), 'the database', typeof p.setting === 'string' ? p.setting : undefined);
    revived.message = error.message;
    return revived;
  }
  if (error.name === 'DatabaseConnectionError') {
    return new DatabaseConnectionError(String(p.kind ?? 'other') as DatabaseConnectionError['kind'], error.message);
  }
  return undefined;
}

/** Starts the store worker on the database chosen (a SQLite file, or PostgreSQL) and connects the engine to it. */
export function openStore(options: OpenStoreOptions): Promise<EngineStore> {
  const { events, log } = options;
  const database = options.database ?? (options.file !== undefined ? { kind: 'sqlite' as const, file: options.file } : null);
  if (!database) return Promise.reject(new TypeError('openStore needs a database (or a SQLite file)'));
  const onNotice = (notice: Notice) => {
    switch (notice.type) {
      case 'event':
        events?.emit(notice.name as EngineEventName, notice.payload as EngineEventMap[EngineEventName]);
        return;
      case 'log':
        log?.child(notice.scope)[notice.level](notice.message, notice.fields as never);
        return;
      case 'busy':
        if (notice.since !== null) log?.child('store').warn('the database is locked by another process; waiting for it');
        else log?.child('store').info('the database lock was released');
        options.onBusy?.(notice.since);
        return;
      case 'checkpoint_error':
        log?.child('store').warn('WAL checkpoint failed', { error: notice.message, fallback: notice.fallback ? 'automatic checkpoints' : undefined });
        options.onCheckpointError?.(notice.message, notice.fallback);
        return;
    }
  };
  const config: StoreTreeConfig = {
    conflictStrategy: options.conflictStrategy ?? 'manual',
    conflictAutoCritical: options.conflictAutoCritical ?? false,
  };
  let unreachableSince: number | null = null;
  const onSettled = (error: Error | null) => {
    const reason = error?.name === 'PostgresError' ? String((error as { reason?: unknown }).reason) : null;
    if (reason !== null && UNREACHABLE_REASONS.has(reason)) {
      if (unreachableSince === null) {
        unreachableSince = Date.now();
        log?.child('store').warn('the database cannot be reached; calls fail until it answers again', { error: error!.message });
      }
      options.onUnreachable?.(unreachableSince, error!.message);
    } else if (error === null && unreachableSince !== null) {
      unreachableSince = null;
      log?.child('store').info('the database answers again');
      options.onUnreachable?.(null, null);
    }
  };
  return StoreClient.open<StoreTree>({
    entry: ENTRY,
    workerData: {
      database,
      busyTimeoutMs: 25,
      statementTimeoutMs: options.statementTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      busyLimitMs: options.busyLimitMs ?? 15_000,
      checkpointIntervalMs: options.checkpointIntervalMs ?? 500,
      config,
    },
    reviveError,
    onNotice,
    onSettled,
  });
}
