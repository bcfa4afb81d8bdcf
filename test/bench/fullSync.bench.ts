/**
 * Full sync of a large catalogue: the engine against a pipelined raw baseline in the same run
 * (plain undici downloads page N+1 while a worker thread owning the better-sqlite3 connection
 * upserts page N with one prepared statement in one transaction), with the sequential form of
 * the same baseline (fetch, then write, in one thread) as context. The emulator is reset before
 * each batch, so every measurement lists the same catalogue. Each measurement runs in a fresh
 * process on the built engine (dist/), so peak RSS is its own.
 *   tsx test/bench/fullSync.bench.ts [--skills 100000]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startEmulatorProcess } from './support/emulatorProcess.js';
import { listingRates, printTable, writeJson, type Row } from './support/report.js';

const here = fileURLToPath(import.meta.url);
const worker = path.join(path.dirname(here), 'support/fullSyncWorker.mjs');

export const RATIO_TARGET = 0.8;
export const RSS_TARGET_MB = 200;

function runWorker(kind: 'engine' | 'pipelined' | 'sequential', apiUrl: string, batch: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'atom-bench-'));
  try {
    const out = execFileSync(process.execPath, [worker, kind, apiUrl, String(batch), path.join(dir, 'atom_dev.db')], {
      encoding: 'utf8',
      maxBuffer: 16 * 2 ** 20,
    });
    return JSON.parse(out.trim().split('\n').pop()!) as {
      ms: number;
      peak_rss_mb: number;
      idle_rss_mb: number;
      skills: number;
      result: string;
      resync_ms?: number;
      resync_deleted_ms?: number;
      deleted?: number;
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(skillCount: number): Promise<Row[]> {
  const emulator = await startEmulatorProcess(skillCount, 9311);
  const rows: Row[] = [];
  try {
    for (const batch of [100, 1000]) {
      // The engine's run deletes 1 % at the remote; every batch starts from the same catalogue.
      await emulator.control('reset', {});
      const baseline = runWorker('pipelined', emulator.apiUrl, batch);
      const sequential = runWorker('sequential', emulator.apiUrl, batch);
      const engine = runWorker('engine', emulator.apiUrl, batch);
      if (baseline.skills !== engine.skills) throw new Error(`baseline listed ${baseline.skills} skills, the engine ${engine.skills}`);
      const rates = listingRates(engine, baseline, sequential);
      rows.push({
        batch,
        skills: engine.skills,
        engine_s: engine.ms / 1000,
        ...rates,
        // Second full listing, unchanged catalogue: every row comes back as the same version.
        resync_s: (engine.resync_ms ?? 0) / 1000,
        // Full listing after the remote deleted 1 %: each unlisted row checked by id before removal.
        resync_1pct_deleted_s: (engine.resync_deleted_ms ?? 0) / 1000,
        verified: engine.deleted ?? 0,
        sweep_cost_ratio: (engine.resync_deleted_ms ?? 0) / (engine.resync_ms ?? 1),
        target_met: rates.ratio >= RATIO_TARGET && engine.peak_rss_mb < RSS_TARGET_MB,
      });
    }
  } finally {
    await emulator.stop();
  }
  printTable(`Full sync of ${skillCount} skills (targets: >= ${RATIO_TARGET}x the pipelined baseline, peak RSS < ${RSS_TARGET_MB} MB)`, rows);
  writeJson('full-sync', rows, { skills: skillCount, baseline: 'pipelined: undici fetches page N+1 while a worker thread writes page N' });
  return rows;
}

if (process.argv[1] && path.resolve(process.argv[1]) === here) {
  const { values } = parseArgs({ options: { skills: { type: 'string' } } });
  if (!existsSync(path.resolve('dist/engine/index.js'))) throw new Error('build first: npm run build');
  await run(Number(values.skills ?? 100_000));
}
