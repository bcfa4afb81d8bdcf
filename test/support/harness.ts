import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { loadConfig } from '../../engine/config/index.js';
import { createEngine, type EngineInternals } from '../../engine/index.js';
import type { EngineOptions } from '../../engine/engineTypes.js';
import Database from 'better-sqlite3';
import { tempDir } from './tempDir.js';

export interface Harness {
  emulator: EmulatorHandle;
  engine: EngineInternals;
  /** A second connection to the engine's file, as the local Atom app has (tests read and edit through it). */
  db: Database.Database;
  dir: string;
  dbPath: string;
  logPath: string;
  close(): Promise<void>;
}

/** A real emulator on loopback and an engine pointed at it, with a temp DB and log. */
export async function startHarness(
  opts: { skills?: number; categories?: number; seed?: number; env?: Record<string, string>; engine?: EngineOptions; token?: string } = {},
): Promise<Harness> {
  const tmp = tempDir('atom-sync-it-');
  const emulator = await startEmulator({ skills: opts.skills ?? 500, categories: opts.categories ?? 20, seed: opts.seed ?? 1, token: opts.token });
  const dbPath = tmp.file('atom_dev.db');
  const logPath = tmp.file('logs/atom.log');
  const config = loadConfig(
    {
      ATOM_SAAS_API_URL: emulator.apiUrl,
      ATOM_SAAS_WS_URL: emulator.wsUrl,
      ATOM_DB_PATH: dbPath,
      ATOM_LOG_PATH: logPath,
      ATOM_SYNC_PORT: '0',
      ATOM_LOG_LEVEL: 'warn',
      ...(opts.token ? { ATOM_SAAS_API_TOKEN: opts.token } : {}),
      ...opts.env,
    },
    tmp.dir,
  );
  const engine = await createEngine(config, { listen: false, syncOnStart: false, staticDir: null, ...opts.engine });
  const db = new Database(dbPath, { timeout: 5_000 });
  return {
    emulator,
    engine,
    db,
    dir: tmp.dir,
    dbPath,
    logPath,
    async close() {
      await engine.stop().catch(() => undefined);
      db.close();
      await emulator.close().catch(() => undefined);
      tmp.cleanup();
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
