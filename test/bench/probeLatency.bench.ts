/**
 * /health/live and /health/sync at 50 connections (autocannon in this process) against the
 * daemon as shipped (node dist/engine/daemon.js, its own process), in two hard moments:
 *  - during a full sync of 100,000 skills from the emulator (a third process): a fresh database
 *    per endpoint, so the window opens on the first fill, and full syncs are re-triggered as each
 *    ends so one runs the whole window;
 *  - during an 8 s write lock held by another OS process (BEGIN IMMEDIATE on atom_dev.db) while
 *    the daemon has work to write: a full sync triggered inside the lock and pushed WebSocket
 *    updates every 500 ms. The window is the lock.
 * The same probes against a bare node:http server in the same run are the floor this machine
 * and load generator allow (each row's ratio is against it); the idle daemon is context.
 * Targets during the sync and the lock: p99 < 10 ms, max < 100 ms, no failed request.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HealthResponse, SyncStatusResponse } from '../../engine/contracts/localHttpApi.js';
import type { RunningDaemon } from '../support/runningDaemon.js';
import { holdWriteLock } from '../support/lockHolder.js';
import { waitFor } from '../support/waitFor.js';
import { round } from './support/benchEngine.js';
import { startBuiltDaemon } from './support/builtDaemon.js';
import { startEmulatorProcess, type EmulatorProcess } from './support/emulatorProcess.js';
import { freePort } from '../support/freePort.js';
import { keepSyncing } from './support/keepSyncing.js';
import { bareBaseline, load, type LoadResult } from './support/probeLoad.js';
import { printTable, writeJson, type Row } from './support/report.js';
import type { Figure } from './support/summary.js';

export const name = 'probe-latency';
const ENDPOINTS = ['/health/live', '/health/sync'] as const;
const CONNECTIONS = 50;
const P99_TARGET_MS = 10;
const MAX_TARGET_MS = 100;
const DURING_SYNC = 'during full sync';
const DURING_LOCK = 'during write lock';
const BARE = 'baseline: bare node:http';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const metTargets = (r: LoadResult) => r.p99_ms < P99_TARGET_MS && r.max_ms < MAX_TARGET_MS && r.errors === 0;

function daemonEnv(emulator: EmulatorProcess, dir: string): Record<string, string> {
  return {
    ATOM_SAAS_API_URL: emulator.apiUrl,
    ATOM_SAAS_WS_URL: emulator.wsUrl,
    ATOM_DB_PATH: path.join(dir, 'atom_dev.db'),
    ATOM_LOG_PATH: path.join(dir, 'atom.log'),
    ATOM_SYNC_PORT: '0',
  };
}

const syncStatus = async (d: RunningDaemon) => (await d.call<SyncStatusResponse>('GET', '/api/admin/sync/status')).body;

/**
 * The daemon's own event-loop delay over a window: prom-client's monitor (10 ms timer) resets
 * at each collection, so a scrape opens the window and one after it (past the 1 s render cache)
 * reads its max. Tells a stall in the daemon from a probe that waited for a core.
 */
async function loopDelay<T>(d: RunningDaemon, window: () => Promise<T>): Promise<{ value: T; loopMaxMs: number | null }> {
  await d.call('GET', '/metrics/sync');
  const value = await window();
  await sleep(1_100);
  const text = (await d.call('GET', '/metrics/sync')).text;
  const match = /^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(text);
  return { value, loopMaxMs: match ? round(Number(match[1]) * 1000, 1) : null };
}

/** Calls `step` every `everyMs` until stopped (bounded); its failures are counted, never thrown. */
function every(everyMs: number, step: () => Promise<void>) {
  let stop = false;
  let failures = 0;
  const loop = (async () => {
    for (let i = 0; i < 10_000 && !stop; i++) {
      await step().catch(() => failures++);
      await sleep(everyMs);
    }
  })();
  return {
    async stop(): Promise<number> {
      stop = true;
      await loop;
      return failures;
    },
  };
}

/** One probe window during a lock held by another process, with writes waiting behind it. */
async function duringLock(d: RunningDaemon, emulator: EmulatorProcess, dbPath: string, endpoint: string, lockMs: number) {
  const lock = await holdWriteLock(dbPath, lockMs);
  const lockedAt = performance.now();
  try {
    // Work that must wait for the lock: a full sync (its first page write blocks) and pushed frames.
    const trigger = d.call('POST', '/api/admin/sync/trigger?mode=full', undefined, lockMs + 30_000).catch((e: Error) => ({ status: 0, body: e.message }));
    let pushed = 0;
    const frames = every(500, async () => {
      const result = (await emulator.control('mutate', { update: 20, push: true })) as { updated?: string[] };
      pushed += result.updated?.length ?? 0;
    });
    let degradedSeen = false;
    const watcher = every(250, async () => {
      const health = (await d.call<HealthResponse>('GET', '/health/sync')).body;
      if (health.checks?.database?.status === 'degraded') degradedSeen = true;
    });
    let windowMs = 0;
    let heldMs = 0;
    const { value: result, loopMaxMs } = await loopDelay(d, async () => {
      const r = await load(`${d.url}${endpoint}`, lockMs / 1000, CONNECTIONS);
      windowMs = performance.now() - lockedAt;
      await frames.stop();
      await watcher.stop();
      await lock.released;
      heldMs = performance.now() - lockedAt;
      return r;
    });
    const triggered = await trigger;
    // The next window starts from a daemon that has written everything and says so.
    await waitFor(async () => (await d.call<HealthResponse>('GET', '/health/sync')).body.checks?.database?.status === 'healthy', 60_000, 100);
    await waitFor(async () => (await syncStatus(d)).status === 'idle', 300_000, 100);
    return { result, loopMaxMs, pushed, degradedSeen, triggerStatus: triggered.status, windowMs, heldMs };
  } finally {
    lock.kill();
  }
}

export async function run(opts: { quick: boolean }): Promise<Row[]> {
  const skills = opts.quick ? 20_000 : 100_000;
  const seconds = opts.quick ? 3 : 10;
  const lockMs = opts.quick ? 3_000 : 8_000;
  const emulator = await startEmulatorProcess(skills, await freePort());
  const dirs: string[] = [];
  const newDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'atom-bench-probe-'));
    dirs.push(dir);
    return dir;
  };
  let daemon: RunningDaemon | null = null;
  const rows: Row[] = [];
  const bare = new Map<string, LoadResult>();
  const row = (endpoint: string, state: string, result: LoadResult, extra: Record<string, string | number | boolean | null>, targeted: boolean): Row => {
    const floor = bare.get(endpoint);
    return {
      endpoint,
      state,
      ...result,
      p99_vs_bare: floor ? result.p99_ms / floor.p99_ms : 1,
      ...extra,
      target_met: targeted ? metTargets(result) : null,
    };
  };
  try {
    for (const [endpoint, result] of await bareBaseline('node:http', ENDPOINTS, seconds, CONNECTIONS)) bare.set(endpoint, result);
    for (const endpoint of ENDPOINTS) rows.push(row(endpoint, BARE, bare.get(endpoint)!, { loop_max_ms: null, sync_running_pct: null, context: 'fixed body, same loader' }, false));

    let dir = '';
    for (const endpoint of ENDPOINTS) {
      await daemon?.stop();
      dir = newDir();
      daemon = await startBuiltDaemon(daemonEnv(emulator, dir));
      const d = daemon;
      const startedAt = performance.now();
      // The startup run fills the empty cache; later ones list all 100,000 again over it.
      let filledAt: number | null = null;
      const filled = every(100, async () => {
        if (filledAt === null && (await syncStatus(d)).skills_cached >= skills) filledAt = performance.now();
      });
      const syncing = keepSyncing(d);
      await waitFor(async () => (await syncStatus(d)).status === 'syncing', 30_000, 20);
      let windowEnd = 0;
      const { value: result, loopMaxMs } = await loopDelay(d, async () => {
        const r = await load(`${d.url}${endpoint}`, seconds, CONNECTIONS);
        windowEnd = performance.now();
        return r;
      });
      const share = await syncing.stop();
      await waitFor(() => filledAt !== null, 300_000, 50);
      await filled.stop();
      const fillS = round((filledAt! - startedAt) / 1000, 1);
      const fill = filledAt! <= windowEnd ? `first fill of ${skills} took ${fillS} s, then full resyncs` : `first fill of ${skills} ran the whole window (took ${fillS} s)`;
      rows.push(row(endpoint, DURING_SYNC, result, { loop_max_ms: loopMaxMs, sync_running_pct: Math.round(share * 100), context: `fresh database: ${fill}` }, true));
    }

    const d = daemon!;
    await waitFor(async () => (await syncStatus(d)).status === 'idle' && (await syncStatus(d)).skills_cached === skills, 300_000, 100);
    await waitFor(async () => (await d.call<{ connected: boolean }>('GET', '/api/admin/sync/websocket/status')).body.connected, 30_000, 50);
    for (const endpoint of ENDPOINTS) {
      const idle = await loopDelay(d, () => load(`${d.url}${endpoint}`, seconds, CONNECTIONS));
      rows.push(row(endpoint, 'idle daemon', idle.value, { loop_max_ms: idle.loopMaxMs, sync_running_pct: 0, context: `${skills} cached` }, false));
    }
    for (const endpoint of ENDPOINTS) {
      const lock = await duringLock(d, emulator, path.join(dir, 'atom_dev.db'), endpoint, lockMs);
      rows.push(
        row(endpoint, DURING_LOCK, lock.result, {
          loop_max_ms: lock.loopMaxMs,
          sync_running_pct: null,
          context:
            `lock held ${round(lock.heldMs / 1000, 1)} s, window ${round(lock.windowMs / 1000, 1)} s; full sync triggered (HTTP ${lock.triggerStatus}), ` +
            `${lock.pushed} pushed updates; lock ${lock.degradedSeen ? 'reported' : 'NOT reported'} by /health/sync`,
        }, true),
      );
    }
    if (/unhandled|uncaught/i.test(d.output())) throw new Error(`the daemon reported an unhandled error:\n${d.output().slice(-4000)}`);
  } finally {
    await daemon?.stop();
    await emulator.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
  printTable(
    `/health/live and /health/sync, ${CONNECTIONS} connections, ${seconds} s windows (lock: ${lockMs / 1000} s), ${skills} skills ` +
      `(targets during the sync and the lock: p99 < ${P99_TARGET_MS} ms, max < ${MAX_TARGET_MS} ms, no errors)`,
    rows,
  );
  writeJson(name, rows, { skills, seconds, lock_ms: lockMs, connections: CONNECTIONS });
  return rows;
}

export function figures(rows: Row[]): Figure[] {
  return rows.flatMap((r) => {
    const targeted = r.state === DURING_SYNC || r.state === DURING_LOCK;
    const label = `${r.endpoint} ${r.state}`;
    const ms = (key: string) => round(r[key] as number, 1);
    const out: Figure[] = [
      { bench: name, figure: `${label}: p50`, value: ms('p50_ms'), unit: 'ms', target: '', met: null },
      { bench: name, figure: `${label}: p99 (${CONNECTIONS} connections)`, value: ms('p99_ms'), unit: 'ms', target: targeted ? `< ${P99_TARGET_MS} ms` : '', met: targeted ? (r.p99_ms as number) < P99_TARGET_MS : null },
      { bench: name, figure: `${label}: max`, value: ms('max_ms'), unit: 'ms', target: targeted ? `< ${MAX_TARGET_MS} ms` : '', met: targeted ? (r.max_ms as number) < MAX_TARGET_MS : null },
    ];
    if (targeted) {
      out.push(
        { bench: name, figure: `${label}: p99 ÷ bare node:http p99`, value: round(r.p99_vs_bare as number, 2), unit: '×', target: '', met: null },
        { bench: name, figure: `${label}: daemon event-loop delay max (10 ms timer)`, value: (r.loop_max_ms as number | null) ?? '—', unit: (r.loop_max_ms as number | null) === null ? '' : 'ms', target: '', met: null },
        { bench: name, figure: `${label}: load generator event-loop delay max (10 ms timer)`, value: round(r.client_loop_max_ms as number, 1), unit: 'ms', target: '', met: null },
        { bench: name, figure: `${label}: failed requests`, value: r.errors as number, unit: '', target: '0', met: r.errors === 0 },
      );
    }
    return out;
  });
}

