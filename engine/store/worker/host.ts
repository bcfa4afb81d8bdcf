import type { MessagePort } from 'node:worker_threads';
import type { Db } from '../database.js';
import { writeTransaction } from '../database.js';
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
 */
export function serveStore(port: MessagePort, db: Db, tree: object, outbox: Outbox, options: HostOptions): { drain(): Promise<void>; stop(): void } {
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
        // A read is one snapshot too: a unit that counts several tables sees them at one moment.
        const value = mode === 'write' ? writeTransaction(db, run) : db.transaction(run).deferred();
        outbox.commit();
        if (mode === 'write') {
          setBusy(null);
          walDirty = true;
          lastWriteAt = Date.now();
        }
        return value;
      } catch (error) {
        outbox.discard();
        if (!isBusyError(error)) throw error;
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

  // A lock given up on after the limit is noticed gone even when nothing else writes.
  const lockProbe = setInterval(() => {
    if (busySince === null || writing > 0) return;
    try {
      db.exec('BEGIN IMMEDIATE');
      db.exec('ROLLBACK');
      setBusy(null);
    } catch {
      /* still locked */
    }
  }, LOCK_PROBE_MS);

  let checkpointFailures = 0;
  const interval = Math.max(options.checkpointIntervalMs, 50);
  const checkpoint = () => {
    const now = Date.now();
    const due = walDirty && (now - lastWriteAt >= interval || now - lastCheckpointAt >= 10 * interval);
    if (!due || writing > 0) return;
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
      checkpointFailures = 0;
      walDirty = false;
      lastCheckpointAt = now;
    } catch (error) {
      if (isBusyError(error)) return;
      checkpointFailures++;
      const fallback = checkpointFailures >= CHECKPOINT_FAILURES_BEFORE_FALLBACK;
      if (fallback) {
        clearInterval(checkpoints);
        db.pragma('wal_autocheckpoint = 1000');
      }
      const notice: Notice = { type: 'checkpoint_error', message: error instanceof Error ? error.message : String(error), fallback };
      send(notice);
    }
  };
  const checkpoints = setInterval(checkpoint, Math.max(Math.floor(interval / 2), 25));
  if (options.checkpointIntervalMs <= 0) {
    clearInterval(checkpoints);
    db.pragma('wal_autocheckpoint = 1000');
  }

  return {
    /** Resolves when the writes already sent have ended. */
    drain: () => writes,
    stop() {
      clearInterval(lockProbe);
      clearInterval(checkpoints);
    },
  };
}
