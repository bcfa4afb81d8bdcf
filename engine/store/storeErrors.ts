/** Errors the store gives back as values with a kind, the same on either side of the worker. */

/** The file was written by a newer build: nothing is changed, the engine does not start. */
export class SchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
    where: string,
    /** The setting that names the database: ATOM_DB_PATH for SQLite, ATOM_DATABASE_URL for PostgreSQL. */
    readonly setting = 'ATOM_DB_PATH',
  ) {
    super(
      `${where} has schema version ${found}, newer than this build understands (${supported}); ` +
        `upgrade Atom Sync or point ${setting} at another database. The database was not changed.`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/** Another process held the database lock for longer than the store waits (kind `database_busy`). */
export class DatabaseBusyError extends Error {
  readonly kind = 'database_busy';
  constructor(readonly waitedMs: number) {
    super(`the database is locked by another process (waited ${Math.round(waitedMs / 1000)} s); the work is retried later`);
    this.name = 'DatabaseBusyError';
  }
}

/** The store worker stopped; calls in flight when it did are answered with this (kind `database`). */
export class StoreUnavailableError extends Error {
  readonly kind = 'database';
  constructor(detail: string) {
    super(`the store is not available: ${detail}`);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * A PostgreSQL store's statement or session failed (kind `database`): `reason` says which, `code`
 * is PostgreSQL's SQLSTATE when it gave one. Nothing of the transaction it was part of is applied.
 */
export class PostgresError extends Error {
  readonly kind = 'database';
  constructor(
    message: string,
    readonly reason: 'sql' | 'lost' | 'connect' | 'timeout' | 'closed',
    readonly code?: string,
  ) {
    super(message);
    this.name = 'PostgresError';
  }
}

export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
