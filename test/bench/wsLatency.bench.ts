/**
 * WebSocket update → committed row: the daemon runs in its own process; the emulator (in this
 * process) pushes a skill_update, and a read-only connection polls the row until the new value
 * is readable. Measured from the mutate call. Target: p99 < 20 ms over 5,000 updates.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startEmulator } from '../../emulator/index.js';
import { skillIdOf } from '../../emulator/dataset.js';
import { mulberry32 } from '../../emulator/prng.js';
import type { RatingStatusResponse, WebSocketStatusResponse } from '../../engine/contracts/localHttpApi.js';
import { startDaemon } from '../support/runningDaemon.js';
import { waitFor } from '../support/waitFor.js';
import { round } from './support/benchEngine.js';
import { percentile, printTable, writeJson, type Row } from './support/report.js';
import type { Figure } from './support/summary.js';

export const name = 'websocket-latency';
const WARMUP = 100;
const TIMEOUT_PER_UPDATE_MS = 5_000;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function run(opts: { quick: boolean }): Promise<Row[]> {
  const skills = opts.quick ? 2_000 : 10_000;
  const updates = opts.quick ? 500 : 5_000;
  const dir = mkdtempSync(path.join(tmpdir(), 'atom-bench-ws-'));
  const dbPath = path.join(dir, 'atom_dev.db');
  const emulator = await startEmulator({ skills, seed: 4 });
  let daemon: Awaited<ReturnType<typeof startDaemon>> | null = null;
  try {
    daemon = await startDaemon({
      ATOM_SAAS_API_URL: emulator.apiUrl,
      ATOM_SAAS_WS_URL: emulator.wsUrl,
      ATOM_DB_PATH: dbPath,
      ATOM_LOG_PATH: path.join(dir, 'atom.log'),
    });
    const d = daemon;
    // the startup sync has filled the cache, the socket is up, the first rating download is over
    await waitFor(() => /sync completed/.test(d.output()), 120_000, 50);
    await waitFor(async () => (await d.call<WebSocketStatusResponse>('GET', '/api/admin/sync/websocket/status')).body.connected, 30_000, 50);
    // the first rating sync (download of other users' ratings) would otherwise start a minute in
    await waitFor(async () => (await d.call('POST', '/api/admin/sync/ratings')).status === 202, 30_000, 50);
    await waitFor(async () => {
      const ratings = (await d.call<RatingStatusResponse>('GET', '/api/admin/sync/ratings/status')).body;
      return ratings.status === 'idle' && ratings.last_sync !== null;
    }, 120_000, 50);

    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    const read = db.prepare('SELECT description FROM community_skills WHERE skill_id = ?').pluck();
    const rng = mulberry32(12);
    const latencies: number[] = [];
    const mutateCost: number[] = [];
    try {
      for (let i = 0; i < WARMUP + updates; i++) {
        const id = skillIdOf(Math.floor(rng() * skills));
        const text = `latency probe ${i}`;
        const t0 = performance.now();
        emulator.mutate({ update_ids: [id], set: { description: text } });
        const sent = performance.now();
        for (let polls = 0; read.get(id) !== text; polls++) {
          if (performance.now() - t0 > TIMEOUT_PER_UPDATE_MS || polls > 10_000_000) throw new Error(`update ${i} of ${id} not applied within ${TIMEOUT_PER_UPDATE_MS} ms`);
          await nextTurn();
        }
        if (i >= WARMUP) {
          latencies.push(performance.now() - t0);
          mutateCost.push(sent - t0);
        }
      }
    } finally {
      db.close();
    }
    latencies.sort((a, b) => a - b);
    mutateCost.sort((a, b) => a - b);
    const p99 = percentile(latencies, 99);
    const rows: Row[] = [
      {
        updates,
        skills,
        p50_ms: round(percentile(latencies, 50), 2),
        p90_ms: round(percentile(latencies, 90), 2),
        p99_ms: round(p99, 2),
        max_ms: round(latencies[latencies.length - 1]!, 2),
        emulator_mutate_p50_ms: round(percentile(mutateCost, 50), 3),
        target_met: p99 < 20,
      },
    ];
    printTable(`WebSocket skill_update → row readable in SQLite, daemon in its own process (target: p99 < 20 ms)`, rows);
    writeJson(name, rows, { warmup: WARMUP });
    return rows;
  } finally {
    await daemon?.stop();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function figures(rows: Row[]): Figure[] {
  const r = rows[0]!;
  return [
    { bench: name, figure: `update → committed row p50 (${r.updates} updates)`, value: r.p50_ms as number, unit: 'ms', target: '', met: null },
    { bench: name, figure: `update → committed row p99 (${r.updates} updates)`, value: r.p99_ms as number, unit: 'ms', target: '< 20 ms', met: (r.p99_ms as number) < 20 },
  ];
}
