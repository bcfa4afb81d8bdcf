/**
 * Full sync of a large catalogue: the engine against a raw baseline (the same pages fetched with
 * plain undici and upserted with one prepared statement per batch) in the same run.
 * Each measurement runs in a fresh process so peak RSS is its own.
 *   tsx test/bench/fullSync.bench.ts [--skills 100000]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { loadConfig } from '../../engine/config/index.js';
import { createEngine } from '../../engine/index.js';
import { openDatabase } from '../../engine/store/database.js';
import { startEmulatorProcess } from './lib/emulatorProcess.js';
import { printTable, rssSampler, writeJson, type Row } from './lib/report.js';

const here = fileURLToPath(import.meta.url);

async function engineWorker(apiUrl: string, batch: number, dbPath: string) {
  const config = loadConfig({ ATOM_SAAS_API_URL: apiUrl, ATOM_SAAS_WS_ENABLED: 'false', ATOM_DB_PATH: dbPath, ATOM_LOG_PATH: `${dbPath}.log`, ATOM_SAAS_SYNC_BATCH_SIZE: String(batch), ATOM_LOG_LEVEL: 'warn' });
  const engine = await createEngine(config, { listen: false, syncOnStart: false, staticDir: null });
  const rss = rssSampler();
  const t0 = performance.now();
  const outcome = engine.services.sync.trigger('full', 'manual');
  if (!outcome.accepted) throw new Error(outcome.reason);
  await engine.services.sync.idle();
  const ms = performance.now() - t0;
  const peak = rss.stop();
  const run = engine.services.sync.runs(1)[0]!;
  const skills = engine.services.sync.status().skills_cached;
  await engine.stop();
  return { ms, peak_rss_mb: peak, skills, result: run.result };
}

async function baselineWorker(apiUrl: string, batch: number, dbPath: string) {
  const db = openDatabase(dbPath);
  const upsert = db.prepare(`INSERT INTO community_skills (skill_id, name, description, version, category, skill_type, author, tags, payload, remote_updated_at, synced_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (skill_id) DO UPDATE SET name = excluded.name, payload = excluded.payload, synced_at = excluded.synced_at`);
  const rss = rssSampler();
  const t0 = performance.now();
  let skills = 0;
  for (let page = 1; page < 1_000_000; page++) {
    const res = await request(`${apiUrl}/skills/marketplace/skills?page=${page}&page_size=${batch}`);
    const body = (await res.body.json()) as { skills: Array<Record<string, unknown>>; total_pages?: number };
    const now = new Date().toISOString();
    db.transaction(() => {
      for (const s of body.skills) {
        upsert.run(s.skill_id, s.name, s.description ?? null, s.version ?? null, s.category ?? null, s.skill_type ?? null, s.author ?? null, JSON.stringify(s.tags ?? []), JSON.stringify(s), s.updated_at ?? null, now);
      }
    })();
    skills += body.skills.length;
    if (body.skills.length < batch || (body.total_pages !== undefined && page >= body.total_pages)) break;
  }
  const ms = performance.now() - t0;
  const peak = rss.stop();
  db.close();
  return { ms, peak_rss_mb: peak, skills, result: 'success' };
}

function runWorker(kind: 'engine' | 'baseline', apiUrl: string, batch: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'atom-bench-'));
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', here, '--worker', kind, '--api', apiUrl, '--batch', String(batch), '--db', path.join(dir, 'atom_dev.db')], {
      encoding: 'utf8',
      maxBuffer: 16 * 2 ** 20,
    });
    return JSON.parse(out.trim().split('\n').pop()!) as { ms: number; peak_rss_mb: number; skills: number; result: string };
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
        baseline_peak_rss_mb: baseline.peak_rss_mb,
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

const { values } = parseArgs({ options: { worker: { type: 'string' }, api: { type: 'string' }, batch: { type: 'string' }, db: { type: 'string' }, skills: { type: 'string' } } });
if (process.argv[1] && path.resolve(process.argv[1]) === here) {
  if (values.worker) {
    const fn = values.worker === 'engine' ? engineWorker : baselineWorker;
    const result = await fn(values.api!, Number(values.batch), values.db!);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  } else {
    await run(Number(values.skills ?? 100_000));
  }
}
