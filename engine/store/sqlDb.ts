/**
 * The connection the repositories and the store host run on, whichever database holds the store.
 * better-sqlite3's Database is one as it is (nothing wraps its statements, so the SQLite path
 * costs what it always did); `pg/pgDb.ts` is the other, a synchronous facade over node-postgres.
 */
import type { SqliteDb } from './database.js';

export type Dialect = 'sqlite' | 'postgres';

export interface SqlRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/**
 * A prepared statement. Parameters are positional (`?`, given as values or one array) or named
 * (`@name`, given as one object), as better-sqlite3 takes them.
 */
export interface SqlStatement {
  run(...params: unknown[]): SqlRunResult;
  /** The first row, or undefined when there is none. */
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** Rows come back as their first column's value. */
  pluck(toggleState?: boolean): this;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the shape better-sqlite3 declares
export type TransactionBody = (...args: any[]) => unknown;
type Args<F extends TransactionBody> = F extends (...args: infer A) => unknown ? A : never;

/** `fn` as one transaction; called inside another, as a savepoint that rolls back alone. */
export interface SqlTransaction<F extends TransactionBody> {
  (...params: Args<F>): ReturnType<F>;
  /** A snapshot from the first read (SQLite's BEGIN DEFERRED; repeatable read on PostgreSQL). */
  deferred(...params: Args<F>): ReturnType<F>;
  /** Takes the write lock up front (SQLite's BEGIN IMMEDIATE; a plain BEGIN on PostgreSQL). */
  immediate(...params: Args<F>): ReturnType<F>;
}

export interface SqlDb {
  /** Which SQL the few statements that differ are written in (see dialectSql.ts). */
  readonly dialect: Dialect;
  readonly inTransaction: boolean;
  prepare(source: string): SqlStatement;
  transaction<F extends TransactionBody>(fn: F): SqlTransaction<F>;
  /** Runs SQL without parameters (several statements allowed). */
  exec(source: string): unknown;
  close(): unknown;
}

export function isSqlite(db: SqlDb): db is SqliteDb {
  return db.dialect === 'sqlite';
}

/** Runs `fn` in a write transaction taken up front, so it never fails half-way on a lock upgrade (a savepoint when nested). */
export function writeTransaction<T>(db: SqlDb, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/** Runs `fn` as one read snapshot: a unit that counts several tables sees them at one moment. */
export function readTransaction<T>(db: SqlDb, fn: () => T): T {
  return db.transaction(fn).deferred();
}
