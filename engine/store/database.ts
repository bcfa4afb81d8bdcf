import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { writeTransaction } from './sqlDb.js';
import { SchemaTooNewError } from './storeErrors.js';

/** A better-sqlite3 connection marked with its dialect: it is the store's SqlDb as it is, unwrapped. */
export type SqliteDb = Database.Database & { readonly dialect: 'sqlite' };
/** The SQLite connection (pragmas, checkpoints and the rest of what only SQLite has). */
export type Db = SqliteDb;

/** Marks a better-sqlite3 connection as the store's SqlDb (adds `dialect`, nothing else). */
export function asSqliteDb(db: Database.Database): SqliteDb {
  return Object.defineProperty(db, 'dialect', { value: 'sqlite', enumerable: false }) as SqliteDb;
}

/**
 * Opens (creating if needed) the store: WAL so the local Atom app can read while we write,
 * a busy timeout so its writes wait instead of failing, and numbered migrations in one transaction.
 */
export function openDatabase(file: string, options: { busyTimeoutMs?: number; readonly?: boolean; manualCheckpoints?: boolean } = {}): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = asSqliteDb(new Database(file, { readonly: options.readonly ?? false }));
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // A bigger page cache for the upserts. The store worker runs its own passive checkpoints
      // (worker/host.ts); this threshold is for a connection used on its own, and the fallback.
      db.pragma('wal_autocheckpoint = 1000');
      db.pragma('cache_size = -16000');
    }
    db.pragma('foreign_keys = ON');
    migrate(db, file);
    if (options.manualCheckpoints && !options.readonly) db.pragma('wal_autocheckpoint = 0');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export function migrate(db: Db, file = 'the database'): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) throw new SchemaTooNewError(current, SCHEMA_VERSION, file);
  if (current === SCHEMA_VERSION) return current;
  writeTransaction(db, () => {
    for (let version = current; version < SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version]!);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  });
  return SCHEMA_VERSION;
}
