/**
 * Start-up time to the first healthy /health/sync answer, with a 100,000-skill database prepared
 * once by a sync. Baseline in the same run: Node with the same loader serving a bare 200, so the
 * figure separates the engine's own start from the runtime's.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { spawnDaemon } from '../support/daemonProcess.js';
import { median, round, startBenchEngine, syncOrThrow } from './support/benchEngine.js';
import { startEmulatorProcess } from './support/emulatorProcess.js';
import { freePort } from '../support/freePort.js';
import { printTable, writeJson, type Row } from './support/report.js';
import type { Figure } from './support/summary.js';

export const name = 'startup';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const compiledDaemon = path.join(root, 'dist/engine/daemon.js');

/** Milliseconds from `start()` to the first 200 on `url` (bounded), then stops the process. */
async function timeToFirst200(url: string, start: () => { kill: () => Promise<void>; exited: () => boolean; output: () => string }): Promise<number> {
  const t0 = performance.now();
  const proc = start();
  try {
    for (let i = 0; i < 60_000; i++) {
      try {
        const res = await request(url, { headersTimeout: 5_000, bodyTimeout: 5_000 });
        await res.body.text();
        if (res.statusCode === 200) return performance.now() - t0;
      } catch {
        /* not listening yet */
      }
      if (proc.exited()) throw new Error(`process exited before answering:\n${proc.output()}`);
      if (performance.now() - t0 > 60_000) throw new Error(`no 200 from ${url} within 60 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('no answer');
  } finally {
    await proc.kill();
  }
}

function daemonStarter(env: Record<string, string>, compiled: boolean) {
  return () => {
    const d = compiled
      ? (() => {
          const child = spawn(process.execPath, [compiledDaemon], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
          let text = '';
          child.stdout.on('data', (b: Buffer) => (text += b.toString()));
          child.stderr.on('data', (b: Buffer) => (text += b.toString()));
          return { child, output: () => text, exited: new Promise<void>((r) => child.once('exit', () => r())) };
        })()
      : spawnDaemon(env);
    return {
      exited: () => d.child.exitCode !== null || d.child.signalCode !== null,
      output: d.output,
      kill: async () => {
        d.child.kill('SIGTERM');
        await d.exited;
      },
    };
  };
}

function bareStarter(port: number) {
  return () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test/bench/support/bareServer.ts'), String(port)], { stdio: 'ignore' });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    return {
      exited: () => child.exitCode !== null || child.signalCode !== null,
      output: () => '',
      kill: async () => {
        child.kill('SIGTERM');
        await exited;
      },
    };
  };
}

export async function run(opts: { quick: boolean }): Promise<Row[]> {
  const skills = opts.quick ? 10_000 : 100_000;
  const reps = opts.quick ? 2 : 5;
  const dir = mkdtempSync(path.join(tmpdir(), 'atom-bench-start-'));
  const dbPath = path.join(dir, 'atom_dev.db');
  const emulator = await startEmulatorProcess(skills, await freePort());
  const rows: Row[] = [];
  try {
    const prepared = await startBenchEngine(emulator.apiUrl, {}, dbPath);
    await syncOrThrow(prepared.engine, 'full');
    await prepared.close();

    const variants: Array<[string, (port: number) => ReturnType<typeof bareStarter>]> = [
      ['bare node + tsx (baseline)', (port) => bareStarter(port)],
      ['daemon via tsx (as tests run it)', (port) => daemonStarter(envFor(port), false)],
    ];
    if (existsSync(compiledDaemon)) variants.push(['daemon compiled (dist, as shipped)', (port) => daemonStarter(envFor(port), true)]);
    function envFor(port: number): Record<string, string> {
      return {
        ATOM_SAAS_API_URL: emulator.apiUrl,
        ATOM_SAAS_WS_URL: emulator.wsUrl,
        ATOM_DB_PATH: dbPath,
        ATOM_LOG_PATH: path.join(dir, 'atom.log'),
        ATOM_SYNC_PORT: String(port),
        ATOM_LOG_LEVEL: 'warn',
      };
    }
    for (const [variant, starter] of variants) {
      const samples: number[] = [];
      try {
        for (let r = 0; r < reps; r++) {
          const port = await freePort();
          samples.push(await timeToFirst200(`http://127.0.0.1:${port}/health/sync`, starter(port)));
        }
      } catch (error) {
        // dist/ may be missing pieces or stale (it is built by `npm run build`, not by the bench)
        if (!variant.includes('compiled')) throw error;
        console.warn(`skipped "${variant}": ${(error as Error).message.split('\n').find((l) => /Error/.test(l)) ?? 'failed to start'} (run npm run build first)`);
        continue;
      }
      rows.push({ variant, db_skills: skills, median_ms: round(median(samples)), min_ms: round(Math.min(...samples)), max_ms: round(Math.max(...samples)) });
    }
  } finally {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(`Start-up to the first 200 from /health/sync, median of ${reps} (database of ${skills} skills)`, rows);
  writeJson(name, rows, { reps });
  return rows;
}

export function figures(rows: Row[]): Figure[] {
  const base = rows.find((r) => String(r.variant).startsWith('bare'));
  return rows.map((r) => ({
    bench: name,
    figure: `${r.variant}, ${Number(r.db_skills).toLocaleString('en-US')}-skill DB${base && r !== base ? ` (+${round((r.median_ms as number) - (base.median_ms as number))} ms over bare)` : ''}`,
    value: r.median_ms as number,
    unit: 'ms',
    target: '',
    met: null,
  }));
}
