/**
 * /health/sync and /metrics/sync under 50 concurrent connections for 10 s (autocannon in this
 * process), idle and while the daemon (its own process) runs full syncs of 100,000 skills from
 * the emulator (a third process). Target: p99 < 20 ms during the sync.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SyncStatusResponse } from '../../engine/contracts/localHttpApi.js';
import { startDaemon, type RunningDaemon } from '../support/runningDaemon.js';
import { waitFor } from '../support/waitFor.js';
import { round } from './support/benchEngine.js';
import { startEmulatorProcess } from './support/emulatorProcess.js';
import { freePort } from '../support/freePort.js';
import { keepSyncing } from './support/keepSyncing.js';
import { bareBaseline, load } from './support/probeLoad.js';
import { printTable, writeJson, type Row } from './support/report.js';
import type { Figure } from './support/summary.js';

export const name = 'http-under-load';
const ENDPOINTS = ['/health/sync', '/metrics/sync'] as const;
const CONNECTIONS = 50;

export async function run(opts: { quick: boolean }): Promise<Row[]> {
  const skills = opts.quick ? 20_000 : 100_000;
  const seconds = opts.quick ? 3 : 10;
  const dir = mkdtempSync(path.join(tmpdir(), 'atom-bench-http-'));
  const emulator = await startEmulatorProcess(skills, await freePort());
  let daemon: RunningDaemon | null = null;
  const rows: Row[] = [];
  try {
    daemon = await startDaemon({
      ATOM_SAAS_API_URL: emulator.apiUrl,
      ATOM_SAAS_WS_URL: emulator.wsUrl,
      ATOM_DB_PATH: path.join(dir, 'atom_dev.db'),
      ATOM_LOG_PATH: path.join(dir, 'atom.log'),
      ATOM_SYNC_PORT: String(await freePort()),
    });
    const d = daemon;
    // the startup run fills the cache first, so every measured run is a full sync over 100,000 cached rows
    await waitFor(() => /sync completed/.test(d.output()), 300_000, 100);
    for (const endpoint of ENDPOINTS) {
      const syncing = keepSyncing(d);
      await waitFor(async () => (await d.call<SyncStatusResponse>('GET', '/api/admin/sync/status')).body.status === 'syncing', 30_000, 20);
      const result = await load(`${d.url}${endpoint}`, seconds, CONNECTIONS);
      const share = await syncing.stop();
      rows.push({ endpoint, state: 'during full sync', ...result, sync_running_pct: Math.round(share * 100), target_met: result.p99_ms < 20 });
    }
    await waitFor(async () => (await d.call<SyncStatusResponse>('GET', '/api/admin/sync/status')).body.status === 'idle', 300_000, 100);
    for (const endpoint of ENDPOINTS) {
      const result = await load(`${d.url}${endpoint}`, seconds, CONNECTIONS);
      rows.push({ endpoint, state: 'idle', ...result, sync_running_pct: 0, target_met: null });
    }
    await daemon.stop();
    daemon = null;
    for (const kind of ['node:http', 'express'] as const) {
      const result = (await bareBaseline(kind, ['/health/sync'], seconds, CONNECTIONS)).get('/health/sync')!;
      rows.push({ endpoint: '/health/sync', state: `baseline: bare ${kind}, fixed body`, ...result, sync_running_pct: 0, target_met: null });
    }
  } finally {
    await daemon?.stop();
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(`${CONNECTIONS} connections for ${seconds} s each, ${skills} skills (target: p99 < 20 ms during the sync)`, rows);
  writeJson(name, rows, { skills, seconds, connections: CONNECTIONS });
  return rows;
}

export function figures(rows: Row[]): Figure[] {
  return rows.flatMap((r) => {
    const during = r.state === 'during full sync';
    return [
      { bench: name, figure: `${r.endpoint} ${r.state}: req/s`, value: r.req_per_s as number, unit: '/s', target: '', met: null },
      {
        bench: name,
        figure: `${r.endpoint} ${r.state}: p99 (${CONNECTIONS} connections)`,
        value: round(r.p99_ms as number, 1),
        unit: 'ms',
        target: during ? '< 20 ms' : '',
        met: during ? (r.p99_ms as number) < 20 : null,
      },
    ];
  });
}
