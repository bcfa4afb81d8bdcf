/**
 * Full sync of a large catalogue: the engine against a raw baseline (the same pages fetched with
 * plain undici and upserted with one prepared statement per batch) in the same run.
 * Each measurement runs in a fresh process on the built engine (dist/), so peak RSS is its own.
 *   tsx test/bench/fullSync.bench.ts [--skills 100000]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startEmulatorProcess } from './lib/emulatorProcess.js';
import { printTable, writeJson, type Row } from './lib/report.js';

const here = fileURLToPath(import.meta.url);
const worker = path.join(path.dirname(here), 'workers/fullSyncWorker.mjs');

function runWorker(kind: 'engine' | 'baseline', apiUrl: string, batch: number) {
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
      const baseline = runWorker('baseline', emulator.apiUrl, batch);
      const engine = runWorker('engine', emulator.apiUrl, batch);
      const engineRate = engine.skills / (engine.ms / 1000);
      const baseRate = baseline.skills / (baseline.ms / 1000);
      rows.push({
        batch,
        skills: engine.skills,
        engine_s: engine.ms / 1000,
        engine_skills_per_s: Math.round(engineRate),
        baseline_skills_per_s: Math.round(baseRate),
        ratio: engineRate / baseRate,
        engine_peak_rss_mb: engine.peak_rss_mb,
        engine_rss_before_mb: engine.idle_rss_mb,
        baseline_peak_rss_mb: baseline.peak_rss_mb,
        // Second full listing, unchanged catalogue: every row comes back as the same version.
        resync_s: (engine.resync_ms ?? 0) / 1000,
        // Full listing after the remote deleted 1 %: each unlisted row checked by id before removal.
        resync_1pct_deleted_s: (engine.resync_deleted_ms ?? 0) / 1000,
        verified: engine.deleted ?? 0,
        sweep_cost_ratio: (engine.resync_deleted_ms ?? 0) / (engine.resync_ms ?? 1),
        target_met: engineRate / baseRate >= 0.6 && engineRate >= 20_000 && engine.peak_rss_mb < 200,
      });
    }
  } finally {
    await emulator.stop();
  }
  printTable(`Full sync of ${skillCount} skills (targets: >= 0.6x baseline, >= 20,000 skills/s, peak RSS < 200 MB)`, rows);
  writeJson('full-sync', rows, { skills: skillCount });
  return rows;
}

if (process.argv[1] && path.resolve(process.argv[1]) === here) {
  const { values } = parseArgs({ options: { skills: { type: 'string' } } });
  if (!existsSync(path.resolve('dist/engine/index.js'))) throw new Error('build first: npm run build');
  await run(Number(values.skills ?? 100_000));
}
