import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { PG_CONNECT_TIMEOUT_MS, PG_STATEMENT_TIMEOUT_MS, type StoreDatabase } from '../backend.js';
import { createRepos, type Repos } from '../repos.js';
import type { SqlDb } from '../sqlDb.js';
import { serveStore, type HostOptions } from './host.js';
import { Outbox } from './outbox.js';
import { serializeError, type Notice, type WorkerMessage } from './protocol.js';

const CLOSE_DRAIN_MS = 2_000;

export interface StoreWorkerData extends HostOptions {
  database: StoreDatabase;
  /** SQLite's own wait per attempt; the host retries with backoff up to busyLimitMs. */
  busyTimeoutMs: number;
  /** PostgreSQL: how long one statement may run (the session's statement_timeout). */
  statementTimeoutMs?: number;
  /** PostgreSQL: how long one connect attempt may take. */
  connectTimeoutMs?: number;
}

interface OpenStore {
  db: SqlDb;
  /** Ends the connection (SQLite: after a last passive checkpoint). */
  close(): Promise<void>;
}

/** Opens the database chosen; each backend's driver is loaded only when it is the one used. */
async function openBackend(data: StoreWorkerData): Promise<OpenStore> {
  const { database } = data;
  if (database.kind === 'postgres') {
    const { openPgStore } = await import('../pg/openPgStore.js');
    const db = await openPgStore({
      url: database.url,
      statementTimeoutMs: data.statementTimeoutMs ?? PG_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: data.connectTimeoutMs ?? PG_CONNECT_TIMEOUT_MS,
    });
    return { db, close: () => db.close() };
  }
  const { openDatabase } = await import('../database.js');
  // Opening (migrations included) waits out a lock as long as any unit would; calls then wait briefly per attempt.
  const db = openDatabase(database.file, { busyTimeoutMs: data.busyLimitMs, manualCheckpoints: data.checkpointIntervalMs > 0 });
  db.pragma(`busy_timeout = ${data.busyTimeoutMs}`);
  return {
    db,
    async close() {
      try {
        db.pragma('wal_checkpoint(PASSIVE)');
      } catch {
        /* busy: the next open checkpoints */
      }
      db.close();
    },
  };
}

/** How much lower than the engine's main thread the store thread runs, where the OS allows it. */
const STORE_THREAD_NICENESS = 10;

/**
 * On Linux, lowers this thread's scheduling priority (a thread id is a valid target of
 * setpriority), so that on a busy machine the main thread, which answers probes and the API,
 * gets the CPU first; the writes take whatever is left. Elsewhere, nothing changes.
 */
function yieldCpuToMainThread(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, STORE_THREAD_NICENESS);
  } catch {
    /* not Linux, or not permitted: same priority as the main thread */
  }
}

/**
 * The body of a store worker: opens the database (migrations included), builds the tree of
 * repositories and units with `build`, and serves calls until told to close.
 */
export function runStoreWorker<C>(build: (repos: Repos, outbox: Outbox, config: C) => object): void {
  const port = parentPort;
  if (!port) throw new Error('the store runs in a worker thread');
  const data = (workerData as { data: StoreWorkerData & { config: C } }).data;
  const send = (message: WorkerMessage) => port.postMessage(message);
  yieldCpuToMainThread();
  openBackend(data)
    .then((store) => serve(port, store, build, data))
    .catch((error: unknown) => send({ type: 'open_failed', error: serializeError(error) }));
}

function serve<C>(port: MessagePort, store: OpenStore, build: (repos: Repos, outbox: Outbox, config: C) => object, data: StoreWorkerData & { config: C }): void {
  const send = (message: WorkerMessage) => port.postMessage(message);
  const { db } = store;
  const outbox = new Outbox((notice: Notice) => send(notice));
  const tree = build(createRepos(db), outbox, data.config);
  const host = serveStore(port, db, tree, outbox, data);
  port.on('message', async (message: { type?: string }) => {
    if (message?.type !== 'close') return;
    // Writes already sent commit first; one still waiting on another process's lock is given up.
    await Promise.race([host.drain(), new Promise((resolve) => setTimeout(resolve, CLOSE_DRAIN_MS))]);
    host.stop();
    await store.close().catch(() => {});
    process.exit(0);
  });
  send({ type: 'ready' });
}
