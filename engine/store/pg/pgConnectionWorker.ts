/**
 * The thread that holds the store's one PostgreSQL session. The store worker runs synchronous code
 * and blocks on each statement (syncPgConnection.ts); here node-postgres runs it, one request at a
 * time in arrival order, so transactions and their statements keep their exact order on one session.
 *
 * A session that ends (server restart, pg_terminate_backend, network) fails what was in flight; the
 * next request outside a transaction opens a new one, with backoff between failed attempts. A
 * request that belongs to a transaction of the old session fails instead: a transaction is never
 * continued, half of it gone, on a new session.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { describePgError } from './connection.js';
import type { PgConnectionWorkerData, PgFailure, PgReply, PgRequest, QueryRequest, ResetMessage } from './pgProtocol.js';

const OID_BOOL = 16;
const OID_INT8 = 20;
const OID_NUMERIC = 1700;
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;

const data = (workerData as { data: PgConnectionWorkerData }).data;
const port = data.port;
const signal = new Int32Array(data.signal);

let client: pg.Client | null = null;
let session = 0;
let nextConnectAt = 0;
let backoff = FIRST_BACKOFF_MS;
let lastConnectFailure: PgFailure | null = null;

function answer(reply: PgReply): void {
  port.postMessage(reply);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

/** Drops the session (it ended, or must not be used again); the next request opens another. */
function drop(which: pg.Client | null = client): void {
  if (which === null) return;
  if (which === client) client = null;
  which.removeAllListeners('end');
  which.on('error', () => {});
  void which.end().catch(() => {});
}

async function connect(): Promise<pg.Client> {
  if (client) return client;
  const now = Date.now();
  if (now < nextConnectAt && lastConnectFailure) {
    throw { ...lastConnectFailure, message: `${lastConnectFailure.message} (next attempt in ${Math.ceil((nextConnectAt - now) / 1000)} s)` };
  }
  const fresh = new pg.Client({
    connectionString: data.url,
    connectionTimeoutMillis: data.connectTimeoutMs,
    application_name: data.applicationName,
    keepAlive: true,
  });
  // Ids and counts come back as numbers and conditions as 1/0, as SQLite gives them.
  fresh.setTypeParser(OID_INT8, (v: string) => Number(v));
  fresh.setTypeParser(OID_NUMERIC, (v: string) => Number(v));
  fresh.setTypeParser(OID_BOOL, (v: string) => (v === 't' ? 1 : 0));
  fresh.on('error', () => drop(fresh));
  fresh.on('end', () => drop(fresh));
  try {
    await fresh.connect();
    // Text without a zone reads as UTC, as SQLite reads it; no statement outlives the facade's wait.
    await fresh.query(`SET TimeZone = 'UTC'; SET statement_timeout = ${Math.max(1, Math.floor(data.statementTimeoutMs))}`);
  } catch (error) {
    drop(fresh);
    nextConnectAt = Date.now() + backoff;
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    const described = describePgError(error, data.url);
    lastConnectFailure = { reason: 'connect', message: described.message, connectKind: described.kind };
    throw lastConnectFailure;
  }
  backoff = FIRST_BACKOFF_MS;
  nextConnectAt = 0;
  lastConnectFailure = null;
  session++;
  client = fresh;
  return fresh;
}

/** SQLSTATE classes after which the session is gone: connection exceptions, operator intervention. */
function endsSession(code: string | undefined): boolean {
  return code === undefined || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03';
}

function failure(error: unknown, lost: boolean): PgFailure {
  if (typeof error === 'object' && error !== null && 'reason' in error) return error as PgFailure;
  const e = (error ?? {}) as { message?: unknown; code?: unknown; detail?: unknown; constraint?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (lost) {
    return { reason: 'lost', message: `the connection to PostgreSQL was lost (${message.split('\n')[0]!.slice(0, 200)})`, code: typeof e.code === 'string' ? e.code : undefined };
  }
  return {
    reason: 'sql',
    message,
    code: typeof e.code === 'string' ? e.code : undefined,
    detail: typeof e.detail === 'string' ? e.detail : undefined,
    constraint: typeof e.constraint === 'string' ? e.constraint : undefined,
  };
}

async function runQuery(request: QueryRequest): Promise<PgReply> {
  if (request.session !== undefined && (client === null || request.session !== session)) {
    return {
      id: request.id,
      ok: false,
      session: client ? session : null,
      began: false,
      error: { reason: 'lost', message: 'the connection to PostgreSQL was lost during the transaction' },
    };
  }
  let began = false;
  let current: pg.Client;
  try {
    current = await connect();
  } catch (error) {
    return { id: request.id, ok: false, session: null, began, error: failure(error, false) };
  }
  try {
    if (request.begin) {
      await current.query(request.begin);
      began = true;
    }
    // Without values or a name this goes as a simple query, which may hold several statements.
    const config: pg.QueryArrayConfig = { text: request.text, values: request.values as unknown[], rowMode: 'array' };
    if (request.name) config.name = request.name;
    const result: unknown = await current.query(config);
    // Several statements in one text answer with one result each: the last one is the answer.
    const last = (Array.isArray(result) ? result[result.length - 1] : result) as pg.QueryArrayResult | undefined;
    return {
      id: request.id,
      ok: true,
      session,
      fields: last?.fields.map((f) => f.name) ?? [],
      rows: last?.rows ?? [],
      rowCount: last?.rowCount ?? 0,
      command: last?.command ?? '',
    };
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const lost = client !== current || endsSession(typeof code === 'string' ? code : undefined);
    if (lost) drop(current);
    return { id: request.id, ok: false, session, began, error: failure(error, lost) };
  }
}

let queue: Promise<void> = Promise.resolve();

port.on('message', (message: PgRequest | ResetMessage) => {
  if (message.type === 'reset') {
    drop();
    return;
  }
  queue = queue.then(async () => {
    try {
      if (message.type === 'close') {
        const closing = client;
        client = null;
        await closing?.end().catch(() => {});
        answer({ id: message.id, ok: true, session, fields: [], rows: [], rowCount: 0, command: 'CLOSE' });
        port.close();
        return;
      }
      answer(await runQuery(message));
    } catch (error) {
      // Never leave a request unanswered (nor the queue broken): the caller is blocked on it. The
      // session goes too, so no transaction it may have opened lives on.
      drop();
      answer({ id: message.id, ok: false, session: null, began: false, error: { ...failure(error, false), reason: 'lost' } });
    }
  });
});

parentPort?.postMessage({ type: 'ready' });
