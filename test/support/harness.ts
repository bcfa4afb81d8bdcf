import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { loadConfig } from '../../engine/config/index.js';
import { createEngine, type EngineInternals } from '../../engine/index.js';
import type { EngineOptions } from '../../engine/engineTypes.js';
import Database from 'better-sqlite3';
import pg from 'pg';
import { tempDir } from './tempDir.js';
import { engineEnv } from './engineEnv.js';

/**
 * Where the engine keeps its store: the SQLite file (default), or a PostgreSQL database
 * (ATOM_DATABASE_URL), which the test creates (test/support/postgres.ts freshDatabase()).
 */
export type HarnessDatabase = 'sqlite' | { postgresUrl: string };

/**
 * The local Atom app's own connection to the engine's database: plain SQL in the backend's
 * dialect (`?` placeholders on SQLite, `$1` on PostgreSQL), rows as objects.
 */
export interface LocalAtomConnection {
  readonly dialect: 'sqlite' | 'postgres';
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Rows changed by a write. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  close(): Promise<void>;
}

export interface Harness {
  emulator: EmulatorHandle;
  engine: EngineInternals;
  /** A second connection to the engine's file, as the local Atom app has (tests read and edit through it). SQLite only. */
  db: Database.Database;
  /** The local Atom app's connection on either backend (on SQLite, the same connection as `db`). */
  local: LocalAtomConnection;
  /** The store's backend. */
  database: 'sqlite' | 'postgres';
  /** Stops the engine (graceful) and starts a new one on the same database and emulator; `engine` is the new one. */
  restartEngine(): Promise<EngineInternals>;
  dir: string;
  dbPath: string;
  logPath: string;
  close(): Promise<void>;
}

/** A real emulator on loopback and an engine pointed at it, with a temp DB and log. */
export async function startHarness(
  opts: {
    skills?: number;
    categories?: number;
    seed?: number;
    env?: Record<string, string>;
    engine?: EngineOptions;
    token?: string;
    /** Default 'sqlite'. */
    database?: HarnessDatabase;
  } = {},
): Promise<Harness> {
  const postgresUrl = opts.database && opts.database !== 'sqlite' ? opts.database.postgresUrl : null;
  const tmp = tempDir('atom-sync-it-');
  const emulator = await startEmulator({ skills: opts.skills ?? 500, categories: opts.categories ?? 20, seed: opts.seed ?? 1, token: opts.token });
  const dbPath = tmp.file('atom_dev.db');
  const logPath = tmp.file('logs/atom.log');
  const config = loadConfig(
    {
      ...engineEnv(emulator, { dbPath, logPath }),
      ...(opts.token ? { ATOM_SAAS_API_TOKEN: opts.token } : {}),
      ...(postgresUrl !== null ? { ATOM_DATABASE_URL: postgresUrl } : {}),
      ...opts.env,
    },
    tmp.dir,
  );
  const engineOptions: EngineOptions = { listen: false, syncOnStart: false, staticDir: null, demoRemote: startEmulator, ...opts.engine };
  let engine = await createEngine(config, engineOptions);
  let db: Database.Database | null = null;
  let local: LocalAtomConnection;
  if (postgresUrl === null) {
    db = new Database(dbPath, { timeout: 5_000 });
    local = sqliteConnection(db);
  } else {
    local = await postgresConnection(postgresUrl);
  }
  return {
    emulator,
    get engine() {
      return engine;
    },
    get db(): Database.Database {
      if (!db) throw new Error('h.db is the SQLite file; on PostgreSQL use h.local');
      return db;
    },
    local,
    database: postgresUrl === null ? 'sqlite' : 'postgres',
    async restartEngine() {
      await engine.stop();
      engine = await createEngine(config, engineOptions);
      return engine;
    },
    dir: tmp.dir,
    dbPath,
    logPath,
    async close() {
      await engine.stop().catch(() => undefined);
      await local.close().catch(() => undefined);
      await emulator.close().catch(() => undefined);
      tmp.cleanup();
    },
  };
}

function sqliteConnection(db: Database.Database): LocalAtomConnection {
  return {
    dialect: 'sqlite',
    async query<R>(sql: string, params: readonly unknown[] = []) {
      const statement = db.prepare(sql);
      return (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as R[];
    },
    async run(sql: string, params: readonly unknown[] = []) {
      return db.prepare(sql).run(...params).changes;
    },
    async close() {
      db.close();
    },
  };
}

/** One session held open, as the local Atom app keeps its own. */
async function postgresConnection(url: string): Promise<LocalAtomConnection> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  // A server restart in a test ends this session too; the next query says so.
  client.on('error', () => {});
  await client.connect();
  return {
    dialect: 'postgres',
    async query<R>(sql: string, params: readonly unknown[] = []) {
      return (await client.query(sql, params as unknown[])).rows as R[];
    },
    async run(sql: string, params: readonly unknown[] = []) {
      return (await client.query(sql, params as unknown[])).rowCount ?? 0;
    },
    async close() {
      await client.end();
    },
  };
}

/** Starts a run and waits for it to end; returns the run's result row. */
export async function syncAndWait(engine: EngineInternals, mode: 'incremental' | 'full' = 'incremental') {
  const outcome = await engine.services.sync.trigger(mode, 'manual');
  if (!outcome.accepted) throw new Error(`sync not started: ${outcome.reason}`);
  await engine.services.sync.idle();
  return (await engine.services.sync.runs(1))[0]!;
}

export { waitFor } from './waitFor.js';
