/**
 * The store's SqlDb on PostgreSQL: better-sqlite3's synchronous shape (prepare/run/get/all/pluck,
 * transaction with deferred/immediate and savepoints when nested) over one session held by the
 * connection thread. A transaction runs whole on one session or not at all: when its session is
 * lost, the rest of it fails without running, and the unit fails with it.
 */
import type { SqlDb, SqlRunResult, SqlStatement, SqlTransaction, TransactionBody } from '../sqlDb.js';
import { PostgresError } from '../storeErrors.js';
import { bindValues, translateSql, type PgStatementText } from './pgSql.js';
import type { PgFailure, PgReply } from './pgProtocol.js';
import type { SyncPgConnection } from './syncPgConnection.js';

/** Statements kept prepared on the session; past this, new texts are parsed on each run. */
const NAMED_STATEMENTS_LIMIT = 500;
const IN_FAILED_TRANSACTION = '25P02';

type Mode = 'deferred' | 'immediate';
const BEGIN: Record<Mode, string> = {
  // A unit that only reads sees every table at one moment, as in SQLite.
  deferred: 'BEGIN ISOLATION LEVEL REPEATABLE READ',
  immediate: 'BEGIN',
};

interface Ok {
  fields: string[];
  rows: unknown[][];
  rowCount: number;
  command: string;
}

export class PgDb implements SqlDb {
  readonly dialect = 'postgres' as const;
  private readonly texts = new Map<string, { statement: PgStatementText; name: string | undefined }>();
  private named = 0;
  private depth = 0;
  /** The BEGIN not sent yet: it goes with the transaction's first statement. */
  private pendingBegin: string | null = null;
  private session: number | null = null;
  /** Why the open transaction can no longer commit (a statement in it failed, or its session ended). */
  private broken: PostgresError | null = null;
  private lost = false;

  constructor(private readonly connection: SyncPgConnection) {}

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  prepare(source: string): SqlStatement {
    let entry = this.texts.get(source);
    if (!entry) {
      const statement = translateSql(source);
      entry = { statement, name: this.named < NAMED_STATEMENTS_LIMIT ? `atom_${++this.named}` : undefined };
      this.texts.set(source, entry);
    }
    return new PgStatement(this, entry.statement, entry.name);
  }

  exec(source: string): this {
    this.run(source, [], undefined);
    return this;
  }

  transaction<F extends TransactionBody>(fn: F): SqlTransaction<F> {
    const call = (mode: Mode) => ((...args: unknown[]) => this.within(mode, () => fn(...args))) as SqlTransaction<F>['immediate'];
    // The same shape as better-sqlite3's: callable (a write), with default, deferred, immediate, exclusive.
    const immediate = call('immediate');
    return Object.assign(immediate, { default: immediate, deferred: call('deferred'), immediate, exclusive: immediate });
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  /** Runs one statement; inside a transaction, on its session only. */
  run(text: string, values: readonly unknown[], name: string | undefined): Ok {
    if (this.depth === 0) return this.answer(this.connection.query(text, values, { name }));
    if (this.lost) throw this.broken!;
    const begin = this.pendingBegin;
    try {
      const reply = this.connection.query(text, values, begin !== null ? { name, begin } : { name, session: this.session! });
      if (begin !== null && (reply.ok || reply.began)) {
        this.pendingBegin = null;
        this.session = reply.session;
      }
      return this.answer(reply);
    } catch (error) {
      const failure = error as PostgresError;
      if (failure.reason === 'lost' || failure.reason === 'timeout') {
        this.lost = true;
        this.broken = failure;
      } else if (failure.code === IN_FAILED_TRANSACTION && this.broken) {
        throw this.broken; // the statement that aborted the transaction says more than "aborted"
      } else {
        this.broken ??= failure;
      }
      throw failure;
    }
  }

  private answer(reply: PgReply): Ok {
    if (reply.ok) return reply;
    throw toError(reply.error);
  }

  private within(mode: Mode, body: () => unknown): unknown {
    return this.depth === 0 ? this.outermost(mode, body) : this.savepoint(body);
  }

  private outermost(mode: Mode, body: () => unknown): unknown {
    this.depth = 1;
    this.pendingBegin = BEGIN[mode];
    this.session = null;
    this.broken = null;
    this.lost = false;
    try {
      const value = body();
      if (value instanceof Promise) throw new TypeError('Transaction function cannot return a promise');
      if (this.pendingBegin === null) {
        if (this.broken) throw this.broken;
        const commit = this.run('COMMIT', [], undefined);
        // PostgreSQL answers COMMIT of an aborted transaction with ROLLBACK, not an error.
        if (commit.command === 'ROLLBACK') throw new PostgresError('the transaction was rolled back: a statement in it failed', 'sql');
      }
      return value;
    } catch (error) {
      if (this.pendingBegin === null && !this.lost) {
        try {
          this.run('ROLLBACK', [], undefined);
        } catch {
          /* the session went with it: the server rolled back */
        }
      }
      throw error;
    } finally {
      this.depth = 0;
      this.pendingBegin = null;
      this.session = null;
      this.broken = null;
      this.lost = false;
    }
  }

  private savepoint(body: () => unknown): unknown {
    const name = `atom_savepoint_${this.depth}`;
    this.run(`SAVEPOINT ${name}`, [], undefined);
    this.depth++;
    try {
      const value = body();
      if (value instanceof Promise) throw new TypeError('Transaction function cannot return a promise');
      this.run(`RELEASE SAVEPOINT ${name}`, [], undefined);
      return value;
    } catch (error) {
      if (!this.lost) {
        try {
          this.run(`ROLLBACK TO SAVEPOINT ${name}`, [], undefined);
          this.run(`RELEASE SAVEPOINT ${name}`, [], undefined);
          // What failed inside is undone with it: the transaction goes on, as in SQLite.
          this.broken = null;
        } catch {
          /* `broken` stays set: the outer transaction cannot commit */
        }
      }
      throw error;
    } finally {
      this.depth--;
    }
  }
}

class PgStatement implements SqlStatement {
  private plucking = false;

  constructor(
    private readonly db: PgDb,
    private readonly statement: PgStatementText,
    private readonly name: string | undefined,
  ) {}

  pluck(toggleState = true): this {
    this.plucking = toggleState;
    return this;
  }

  run(...params: unknown[]): SqlRunResult {
    const result = this.exec(params);
    const id = this.statement.returnsId ? result.rows[0]?.[0] : undefined;
    return { changes: result.rowCount, lastInsertRowid: typeof id === 'number' || typeof id === 'bigint' ? id : 0 };
  }

  get(...params: unknown[]): unknown {
    const result = this.exec(params);
    const row = result.rows[0];
    return row === undefined ? undefined : this.shape(result.fields, row);
  }

  all(...params: unknown[]): unknown[] {
    const result = this.exec(params);
    return result.rows.map((row) => this.shape(result.fields, row));
  }

  private exec(params: unknown[]): Ok {
    return this.db.run(this.statement.text, bindValues(this.statement, params), this.name);
  }

  private shape(fields: string[], row: unknown[]): unknown {
    if (this.plucking) return row[0];
    const object: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i++) object[fields[i]!] = row[i];
    return object;
  }
}

function toError(failure: PgFailure): PostgresError {
  const error = new PostgresError(failure.message, failure.reason === 'connect' ? 'connect' : failure.reason, failure.code);
  if (failure.detail) Object.assign(error, { detail: failure.detail });
  if (failure.constraint) Object.assign(error, { constraint: failure.constraint });
  if (failure.connectKind) Object.assign(error, { connectKind: failure.connectKind });
  return error;
}
