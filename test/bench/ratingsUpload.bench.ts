/**
 * 10,000 pending local ratings uploaded by the engine: ratings/s with the batch extension and
 * with the per-rating fallback (remote without `ratings_batch`), each against a raw baseline in
 * the same run: plain undici POSTs of the same batches (or the same single ratings), sequential.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { LocalAtom } from '../support/localAtom.js';
import { skillIdOf } from '../../emulator/dataset.js';
import { startBenchEngine, round, syncOrThrow } from './support/benchEngine.js';
import { startEmulatorProcess, type EmulatorProcess } from './support/emulatorProcess.js';
import { freePort } from '../support/freePort.js';
import { printTable, writeJson, type Row } from './support/report.js';
import type { Figure } from './support/summary.js';

export const name = 'ratings-upload';
const SKILLS = 1_000;
const BATCH = 100;

type Mode = 'batch' | 'single';

async function engineRate(emulator: EmulatorProcess, mode: Mode, count: number): Promise<number> {
  const bench = await startBenchEngine(emulator.apiUrl, { ATOM_SAAS_RATING_BATCH_SIZE: String(BATCH) });
  try {
    const { engine } = bench;
    await syncOrThrow(engine, 'full');
    await engine.services.ratings.syncNow(); // the first download of other users' ratings, outside the timing
    const local = new LocalAtom(bench.dbPath);
    local.addRatings(Array.from({ length: count }, (_, i) => skillIdOf(i % SKILLS)), `bench ${mode}`);
    local.close();
    const receivedBefore = ((await emulator.control('stats')) as { ratings_received: number }).ratings_received;
    let uploaded = 0;
    let doneAt: number | null = null;
    const off = engine.events.on('ratings.upload', (e) => {
      if (e.result === 'accepted' || e.result === 'duplicate') uploaded += e.count;
      if (uploaded >= count && doneAt === null) doneAt = performance.now();
    });
    const t0 = performance.now();
    await engine.services.ratings.syncNow();
    off();
    const ms = (doneAt ?? performance.now()) - t0;
    const status = engine.services.ratings.status();
    const received = ((await emulator.control('stats')) as { ratings_received: number }).ratings_received - receivedBefore;
    if (status.pending_count !== 0 || received !== count) throw new Error(`${mode}: ${received} of ${count} ratings received, ${status.pending_count} pending`);
    return count / (ms / 1000);
  } finally {
    await bench.close();
  }
}

async function baselineRate(emulator: EmulatorProcess, mode: Mode, count: number): Promise<number> {
  const now = new Date().toISOString();
  const items = Array.from({ length: count }, (_, i) => ({
    client_rating_id: randomUUID(),
    skill_id: skillIdOf(i % SKILLS),
    user_id: `bench-user-${i % 7}`,
    rating: 1 + (i % 5),
    comment: `baseline ${mode} ${i}`,
    created_at: now,
  }));
  const post = async (pathname: string, body: unknown) => {
    const res = await request(`${emulator.apiUrl}${pathname}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`baseline POST ${pathname}: ${res.statusCode} ${text.slice(0, 200)}`);
  };
  const t0 = performance.now();
  if (mode === 'batch') {
    for (let i = 0; i < items.length; i += BATCH) await post('/ratings/batch', { ratings: items.slice(i, i + BATCH) });
  } else {
    for (const { client_rating_id: _id, created_at: _at, ...item } of items) await post(`/skills/marketplace/skills/${item.skill_id}/rate`, item);
  }
  return count / ((performance.now() - t0) / 1000);
}

export async function run(opts: { quick: boolean }): Promise<Row[]> {
  const count = opts.quick ? 2_000 : 10_000;
  const emulator = await startEmulatorProcess(SKILLS, await freePort());
  const rows: Row[] = [];
  try {
    for (const mode of ['batch', 'single'] as const) {
      const faults = mode === 'single' ? { unsupported_extensions: ['ratings_batch'] } : {};
      await emulator.control('reset', {});
      await emulator.control('faults', faults);
      const baseline = await baselineRate(emulator, mode, count);
      await emulator.control('reset', {});
      await emulator.control('faults', faults);
      const engine = await engineRate(emulator, mode, count);
      rows.push({
        mode: mode === 'batch' ? `batch extension (${BATCH}/request)` : 'per-rating fallback',
        ratings: count,
        engine_per_s: Math.round(engine),
        baseline_per_s: Math.round(baseline),
        ratio: round(engine / baseline, 2),
        target_met: engine / baseline >= 0.6,
      });
    }
  } finally {
    await emulator.stop();
  }
  printTable(`Upload of ${count} pending ratings vs plain sequential undici POSTs (target: >= 0.6x baseline)`, rows);
  writeJson(name, rows, { batch_size: BATCH });
  return rows;
}

export function figures(rows: Row[]): Figure[] {
  return rows.flatMap((r) => [
    { bench: name, figure: `${r.mode}: ratings/s (baseline ${r.baseline_per_s})`, value: r.engine_per_s as number, unit: '/s', target: '', met: null },
    { bench: name, figure: `${r.mode}: engine ÷ baseline`, value: r.ratio as number, unit: '×', target: '≥ 0.6× (as for full sync)', met: (r.ratio as number) >= 0.6 },
  ]);
}
