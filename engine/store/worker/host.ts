import type { MessagePort } from 'node:worker_threads';
import type { SqliteDb } from '../database.js';
import { isSqlite, readTransaction, writeTransaction, type SqlDb } from '../sqlDb.js';
import { DatabaseBusyError, isBusyError } from '../storeErrors.js';
import type { Outbox } from './outbox.js';
import { serializeError, type CallMessage, type Notice, type WorkerMessage } from './protocol.js';

export interface HostOptions {
  /** How long a unit waits for a lock held by another process before failing with database_busy. */
  busyLimitMs: number;
  /**
   * Passive WAL checkpoints once writes pause for this long, and at least every 10 × this while
   * they go on (0: SQLite's automatic checkpoints). They share the write thread, so a busy sync
   * is not interrupted for each one.
   */
  checkpointIntervalMs: number;
}

const FIRST_BACKOFF_MS = 10;
const MAX_BACKOFF_MS = 250;
/** While locked and idle, how often the host checks whether the lock is gone. */
const LOCK_PROBE_MS = 500;
/** Failed checkpoints in a row before SQLite's automatic checkpoints take over again. */
const CHECKPOINT_FAILURES_BEFORE_FALLBACK = 3;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Serves calls on one connection. Writes run one at a time in arrival order, each in a
 * BEGIN IMMEDIATE transaction; reads run as they come, each in a deferred one. A busy database is waited out with a short
 * busy timeout and backoff between attempts, so reads and other messages are answered meanwhile.
 * Busy waits, the lock probe and WAL checkpoints are SQLite's: on PostgreSQL a failed unit fails
 * whole with its error (kind `database`), and the next call runs on a new session if need be.
 */
export function serveStore(port: MessagePort, db: SqlDb, tree: object, outbox: Outbox, options: HostOptions): { drain(): Promise<void>; stop(): void } {
  const sqlite = isSqlite(db) ? db : null;
  const send = (message: WorkerMessage) => port.postMessage(message);
  let busySince: number | null = null;
  let writes: Promise<void> = Promise.resolve();
  let writing = 0;
  let walDirty = false;
  let lastWriteAt = 0;
  let lastCheckpointAt = Date.now();

  const setBusy = (since: number | null) => {
    if (since === busySince || (since !== null && busySince !== null)) return;
    busySince = since;
    send({ type: 'busy', since });
  };

  async function attempt(mode: CallMessage['mode'], run: () => unknown): Promise<unknown> {
    const started = Date.now();
    let backoff = FIRST_BACKOFF_MS;
    for (;;) {
      try {
        const value = mode === 'write' ? writeTransaction(db, run) : readTransaction(db, run);
        outbox.commit();
        if (mode === 'write' && sqlite) {
          setBusy(null);
          walDirty = true;
          lastWriteAt = Date.now();
        }
        return value;
      } catch (error) {
        outbox.discard();
        if (!sqlite || !isBusyError(error)) throw error;
        setBusy(busySince ?? started);
        const waited = Date.now() - started;
        if (waited >= options.busyLimitMs) throw new DatabaseBusyError(waited);
        await sleep(Math.min(backoff, options.busyLimitMs - waited));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  function target(path: readonly string[]): (...args: unknown[]) => unknown {
    let owner: unknown = null;
    let value: unknown = tree;
    for (const key of path) {
      if (FORBIDDEN.has(key) || value === null || typeof value !== 'object') throw new Error(`no store call ${path.join('.')}`);
      owner = value;
      value = (value as Record<string, unknown>)[key];
    }
    if (typeof value !== 'function') throw new Error(`no store call ${path.join('.')}`);
    const fn = value as (...args: unknown[]) => unknown;
    return fn.bind(owner);
  }

  const handle = async (message: CallMessage) => {
    try {
      const fn = target(message.path);
      const args = message.args as unknown[];
      const value = await attempt(message.mode, () => fn(...args));
      send({ type: 'reply', id: message.id, ok: true, value });
    } catch (error) {
      send({ type: 'reply', id: message.id, ok: false, error: serializeError(error) });
    }
  };

  port.on('message', (message: CallMessage) => {
    if (message?.type !== 'call') return;
    if (message.mode === 'read') {
      void handle(message);
      return;
    }
    writing++;
    writes = writes.then(() => handle(message)).finally(() => writing--);
  });

  const writeState = (): WriteState => ({ busy: busySince !== null, writing: writing > 0, walDirty, lastWriteAt, lastCheckpointAt });
  const checkpointed = (now: number) => {
    walDirty = false;
    lastCheckpointAt = now;
  };
  const stopMaintenance = sqlite ? maintainSqlite(sqlite, writeState, { setBusy, checkpointed, send }, options) : () => {};

  return {
    /** Resolves when the writes already sent have ended. */
    drain: () => writes,
    stop: stopMaintenance,
  };
}

interface WriteState {
  busy: boolean;
  writing: boolean;
  walDirty: boolean;
  lastWriteAt: number;
  lastCheckpointAt: number;
}

interface MaintenanceHooks {
  setBusy(since: number | null): void;
  checkpointed(now: number): void;
  send(notice: Notice): void;
}

/** SQLite's upkeep beside the calls: the lock probe and passive WAL checkpoints; returns what stops them. */
function maintainSqlite(db: SqliteDb, state: () => WriteState, hooks: MaintenanceHooks, options: HostOptions): () => void {
  // A lock given up on after the limit is noticed gone even when nothing else writes.
  const lockProbe = setInterval(() => {
    const s = state();
    if (!s.busy || s.writing) return;
    try {
      db.exec('BEGIN IMMEDIATE');
      db.exec('ROLLBACK');
      hooks.setBusy(null);
    } catch {
      /* still locked */
    }
  }, LOCK_PROBE_MS);

  let checkpointFailures = 0;
  const interval = Math.max(options.checkpointIntervalMs, 50);
  const checkpoint = () => {
    const now = Date.now();
    const s = state();
    const due = s.walDirty && (now - s.lastWriteAt >= interval || now - s.lastCheckpointAt >= 10 * interval);
    if (!due || s.writing) return;
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
      checkpointFailures = 0;
      hooks.checkpointed(now);
    } catch (error) {
      if (isBusyError(error)) return;
      checkpointFailures++;
      const fallback = checkpointFailures >= CHECKPOINT_FAILURES_BEFORE_FALLBACK;
      if (fallback) {
        clearInterval(checkpoints);
        db.pragma('wal_autocheckpoint = 1000');
      }
      hooks.send({ type: 'checkpoint_error', message: error instanceof Error ? error.message : String(error), fallback });
    }
  };
  const checkpoints = setInterval(checkpoint, Math.max(Math.floor(interval / 2), 25));
  if (options.checkpointIntervalMs <= 0) {
    clearInterval(checkpoints);
    db.pragma('wal_autocheckpoint = 1000');
  }
  return () => {
    clearInterval(lockProbe);
    clearInterval(checkpoints);
  };
}
