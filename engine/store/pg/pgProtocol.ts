/**
 * Messages between the store worker's synchronous facade (syncPgConnection.ts) and the thread that
 * holds the PostgreSQL connection (pgConnectionWorker.ts). Each request is answered once, in order;
 * the answer is posted, then a counter in shared memory is bumped and notified, which is what the
 * facade waits on.
 */
import type { MessagePort } from 'node:worker_threads';

export interface PgConnectionSettings {
  /** node-postgres' connection string; holds the password: never logged nor echoed. */
  url: string;
  /** The session's statement_timeout: no statement runs longer. */
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  applicationName: string;
}

export interface PgConnectionWorkerData extends PgConnectionSettings {
  /** An Int32Array over it: [0] counts the answers posted. */
  signal: SharedArrayBuffer;
  port: MessagePort;
}

export interface QueryRequest {
  type: 'query';
  id: number;
  text: string;
  values: readonly unknown[];
  /** Prepared once per session under this name (unnamed: parsed every time, several statements allowed). */
  name?: string;
  /** Run first, in the same request: the BEGIN of the transaction this statement opens. */
  begin?: string;
  /**
   * The session the caller's transaction runs on. When that session is gone, the request fails
   * instead of running on a new one: the rest of a transaction never runs outside it.
   */
  session?: number;
}

export type PgRequest = QueryRequest | { type: 'close'; id: number };

/** Out of band, not answered: drop the session now (a request that outlived its wait). */
export interface ResetMessage {
  type: 'reset';
}

export type PgFailureReason =
  /** The statement failed; PostgreSQL's SQLSTATE is in `code`. */
  | 'sql'
  /** The session ended (the server closed it, the network dropped): what ran in its transaction is gone. */
  | 'lost'
  /** No session could be opened; `connectKind` says why (DatabaseConnectionError's kind). */
  | 'connect';

export interface PgFailure {
  reason: PgFailureReason;
  message: string;
  code?: string;
  detail?: string;
  constraint?: string;
  connectKind?: string;
}

export type PgReply =
  | {
      id: number;
      ok: true;
      session: number;
      /** Column names, in order (a name given twice appears twice). */
      fields: string[];
      rows: unknown[][];
      rowCount: number;
      /** The command tag's verb (COMMIT answered as ROLLBACK means the transaction was aborted). */
      command: string;
    }
  | { id: number; ok: false; session: number | null; began: boolean; error: PgFailure };
