/** An engine in the bench process against a remote URL, with its own temp DB, for in-process measurements. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../engine/config/index.js';
import { createEngine, type EngineInternals } from '../../../engine/index.js';

export interface BenchEngine {
  engine: EngineInternals;
  dbPath: string;
  close(): Promise<void>;
}

export async function startBenchEngine(apiUrl: string, env: Record<string, string> = {}, dbPath?: string): Promise<BenchEngine> {
  const dir = dbPath ? null : mkdtempSync(path.join(tmpdir(), 'atom-bench-'));
  const file = dbPath ?? path.join(dir!, 'atom_dev.db');
  const config = loadConfig({
    ATOM_SAAS_API_URL: apiUrl,
    ATOM_SAAS_WS_ENABLED: 'false',
    ATOM_DB_PATH: file,
    ATOM_LOG_PATH: `${file}.log`,
    ATOM_LOG_LEVEL: 'warn',
    ...env,
  });
  const engine = await createEngine(config, { listen: false, syncOnStart: false, staticDir: null });
  return {
    engine,
    dbPath: file,
    async close() {
      await engine.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one sync to its end and returns the run; throws unless it succeeded. */
export async function syncOrThrow(engine: EngineInternals, mode: 'incremental' | 'full') {
  const outcome = await engine.services.sync.trigger(mode, 'manual');
  if (!outcome.accepted) throw new Error(`sync not started: ${outcome.reason}`);
  await engine.services.sync.idle();
  const run = (await engine.services.sync.runs(1))[0]!;
  if (run.result !== 'success') throw new Error(`${mode} sync ${run.result}: ${run.error}`);
  return run;
}

export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
