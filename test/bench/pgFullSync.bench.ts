/**
 * Full sync of a large catalogue into PostgreSQL (ATOM_DATABASE_URL): the built engine against a
 * raw baseline in the same run, each on a fresh database of a throwaway cluster with the same
 * schema (migratePg). The baseline fetches the same pages with plain undici and writes each with
 * one multi-row INSERT … ON CONFLICT (skill_id) DO UPDATE in one transaction through one
 * node-postgres client, the download of page N+1 overlapping the write of page N (its sequential
 * form, fetch then write, is context). The emulator is reset before each batch, so every
 * measurement lists the same catalogue; each runs in a fresh process on the built engine, so peak
 * RSS is its own. pg_stat_statements counts the statements of each run (where the time goes), and
 * a one-row SELECT is timed through node-postgres and through the engine's synchronous facade.
 *   tsx test/bench/pgFullSync.bench.ts [--skills 100000]
 * ATOM_BENCH_DIST names another build to measure (default dist/).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../support/freePort.js';
import type { PgCluster } from '../support/postgres.js';
import { startEmulatorProcess } from './support/emulatorProcess.js';
import { listingRates, printTable, writeJson, type Row } from './support/report.js';
import type { Figure } from './support/summary.js';

const here = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(here), '../..');
const worker = path.join(path.dirname(here), 'support/pgFullSyncWorker.mjs');
const dist = () => path.resolve(process.env.ATOM_BENCH_DIST ?? path.join(root, 'dist'));

export const name = 'pg-full-sync';
const BATCHES = [100, 1000] as const;
/** The SQLite bench's memory target: the same engine process, with one more thread for the connection. */
export const RSS_TARGET_MB = 200;
/**
 * The one timing the bench fails on (engine time ÷ baseline time): past it the engine is broken
 * (a probe scanning the table, a page written row by row in many transactions), not slow. Measured
 * 4.5–11× at 10,000 and 100,000 skills: over 3× headroom, so a busy machine does not make it flake.
 */
export const SLOWDOWN_LIMIT = 40;

interface Statement {
  query: string;
  calls: number;
  exec_ms: number;
  rows: number;
}

interface Measurement {
  ms: number;
  skills: number;
  peak_rss_mb: number;
  idle_rss_mb: number;
  process_cpu_s: number;
  server_cpu_s: number | null;
  statements: Statement[];
}

function runWorker<T>(kind: string, apiUrl: string, batch: number, databaseUrl: string, statsUrl: string): T {
  const out = execFileSync(process.execPath, [worker, kind, apiUrl, String(batch), databaseUrl, statsUrl, dist()], {
    encoding: 'utf8',
    maxBuffer: 16 * 2 ** 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

// Loaded when used: it brings vitest along, which the other benches' process need not hold.
const postgresSupport = () => import('../support/postgres.js');

/** Why the bench cannot run on this machine (no PostgreSQL server to start), or null. */
export async function unavailable(): Promise<string | null> {
  const { findPostgresBin } = await postgresSupport();
  return findPostgresBin() === null ? 'no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin' : null;
}

/** A cluster that counts statements: pg_stat_statements must be loaded at server start. */
async function countingCluster(): Promise<{ cluster: PgCluster; statsUrl: string }> {
  const { startPostgres } = await postgresSupport();
  const cluster = await startPostgres();
  try {
    await cluster.query('postgres', "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
    await cluster.stopServer();
    await cluster.startServer();
    await cluster.query('postgres', 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    return { cluster, statsUrl: cluster.url('postgres') };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const totalCalls = (m: Measurement) => sum(m.statements.map((s) => s.calls));
const execSeconds = (m: Measurement) => sum(m.statements.map((s) => s.exec_ms)) / 1000;

/** Which part of the sync a statement belongs to, for the table of where the time goes. */
function role(query: string): string {
  if (/^SELECT version, local_modified_at, remote_updated_at/i.test(query)) return 'probe stored row (SELECT by skill_id)';
  if (/^INSERT INTO community_skills/i.test(query)) return 'upsert skill (INSERT … ON CONFLICT)';
  if (/^UPDATE community_skills SET synced_at/i.test(query)) return 'mark seen (UPDATE synced_at)';
  if (/^BEGIN/i.test(query)) return 'BEGIN';
  if (/^COMMIT/i.test(query)) return 'COMMIT';
  if (/sync_state/i.test(query)) return 'progress (sync_state)';
  if (/synced_at\s*</i.test(query) || /synced_at\s*>=/i.test(query)) return 'end of listing: seen count, unlisted scan';
  return 'other';
}

const THROUGHPUT = ['batch', 'skills', 'engine_s', 'baseline_s', 'engine_skills_per_s', 'baseline_skills_per_s', 'sequential_baseline_skills_per_s', 'ratio', 'engine_peak_rss_mb', 'engine_rss_before_mb', 'baseline_peak_rss_mb', 'target_met'] as const;
const TIME = ['batch', 'engine_s', 'engine_statements', 'engine_statements_per_page', 'baseline_statements_per_page', 'statements_x_facade_rtt_s', 'engine_server_exec_s', 'baseline_server_exec_s', 'engine_process_cpu_s', 'baseline_process_cpu_s', 'engine_server_cpu_s', 'baseline_server_cpu_s'] as const;

function breakdown(batch: number, m: Measurement, pages: number): Row[] {
  const groups = new Map<string, { calls: number; exec_ms: number }>();
  for (const s of m.statements) {
    const g = groups.get(role(s.query)) ?? { calls: 0, exec_ms: 0 };
    g.calls += s.calls;
    g.exec_ms += s.exec_ms;
    groups.set(role(s.query), g);
  }
  return [...groups.entries()]
    .sort((a, b) => b[1].calls - a[1].calls)
    .map(([what, g]) => ({ batch, statement: what, calls: g.calls, per_page: round(g.calls / pages, 2), server_exec_s: round(g.exec_ms / 1000, 2) }));
}

export async function run(opts: { quick: boolean; skills?: number }): Promise<Row[]> {
  const skillCount = opts.skills ?? (opts.quick ? 10_000 : 100_000);
  const why = await unavailable();
  if (why) throw new Error(`pg-full-sync cannot run: ${why}`);
  if (!existsSync(path.join(dist(), 'engine/store/pg/openPgStore.js'))) throw new Error(`no built engine in ${dist()}: build first (npm run build)`);
  const emulator = await startEmulatorProcess(skillCount, await freePort());
  let counting: Awaited<ReturnType<typeof countingCluster>> | null = null;
  const rows: Row[] = [];
  const statements: Row[] = [];
  const rawStatements: Row[] = [];
  const failures: string[] = [];
  let roundTrip: { node_postgres_us: number; facade_us: number } | null = null;
  try {
    counting = await countingCluster();
    const { cluster, statsUrl } = counting;
    /** One measurement on a fresh database, whose rows are counted and which is dropped after. */
    const measureOn = async (kind: 'engine' | 'pipelined' | 'sequential', batch: number): Promise<Measurement> => {
      const url = await cluster.freshDatabase();
      const db = new URL(url).pathname.slice(1);
      try {
        const m = runWorker<Measurement>(kind, emulator.apiUrl, batch, url, statsUrl);
        const [{ n }] = (await cluster.query<{ n: number }>(db, 'SELECT COUNT(*)::int AS n FROM community_skills')) as [{ n: number }];
        if (m.skills !== skillCount || n !== skillCount) throw new Error(`${kind} at batch ${batch}: ${m.skills} listed, ${n} rows stored, of ${skillCount}`);
        return m;
      } finally {
        await cluster.query('postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      }
    };

    {
      const url = await cluster.freshDatabase();
      roundTrip = runWorker<{ node_postgres_us: number; facade_us: number }>('roundtrip', emulator.apiUrl, 100, url, statsUrl);
      await cluster.query('postgres', `DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
    }

    for (const batch of BATCHES) {
      await emulator.control('reset', {});
      const baseline = await measureOn('pipelined', batch);
      const sequential = await measureOn('sequential', batch);
      const engine = await measureOn('engine', batch);
      const pages = Math.ceil(skillCount / batch);
      const rates = listingRates(engine, baseline, sequential);
      const engineStatements = totalCalls(engine);
      rows.push({
        batch,
        skills: engine.skills,
        engine_s: round(engine.ms / 1000, 2),
        baseline_s: round(baseline.ms / 1000, 2),
        ...rates,
        engine_statements: engineStatements,
        engine_statements_per_page: round(engineStatements / pages, 1),
        baseline_statements_per_page: round(totalCalls(baseline) / pages, 1),
        // Where the engine's wall time goes: SQL executing in the server, CPU of the engine's process
        // (all its threads) and of the server, and its statements each at the facade's round trip.
        engine_server_exec_s: round(execSeconds(engine), 2),
        baseline_server_exec_s: round(execSeconds(baseline), 2),
        engine_process_cpu_s: round(engine.process_cpu_s, 1),
        baseline_process_cpu_s: round(baseline.process_cpu_s, 1),
        engine_server_cpu_s: engine.server_cpu_s === null ? null : round(engine.server_cpu_s, 1),
        baseline_server_cpu_s: baseline.server_cpu_s === null ? null : round(baseline.server_cpu_s, 1),
        statements_x_facade_rtt_s: round((engineStatements * roundTrip.facade_us) / 1e6, 1),
        target_met: engine.peak_rss_mb < RSS_TARGET_MB,
      });
      statements.push(...breakdown(batch, engine, pages));
      rawStatements.push(...engine.statements.slice(0, 20).map((st) => ({ batch, query: st.query.slice(0, 160), calls: st.calls, server_exec_ms: round(st.exec_ms) })));
      const slowdown = 1 / rates.ratio;
      if (slowdown > SLOWDOWN_LIMIT) failures.push(`batch ${batch}: the engine took ${slowdown.toFixed(1)}x the baseline's time (limit ${SLOWDOWN_LIMIT}x)`);
    }
  } finally {
    await emulator.stop();
    await counting?.cluster.stop();
  }
  const pick = (keys: readonly string[]) => rows.map((r) => Object.fromEntries(keys.map((k) => [k, r[k]!])) as Row);
  printTable(`Full sync of ${skillCount} skills into PostgreSQL (target: peak RSS < ${RSS_TARGET_MB} MB; fails past ${SLOWDOWN_LIMIT}x the baseline's time)`, pick(THROUGHPUT));
  printTable('Where the time goes (s of wall, CPU and server execution; statements per page)', pick(TIME));
  printTable(
    `The engine's statements (one-row SELECT by key: ${round(roundTrip.node_postgres_us)} µs through node-postgres, ${round(roundTrip.facade_us)} µs through the engine's synchronous facade)`,
    statements,
  );
  writeJson(name, rows, {
    skills: skillCount,
    baseline: 'pipelined: undici fetches page N+1 while one node-postgres client upserts page N (multi-row INSERT … ON CONFLICT, one transaction)',
    server: 'throwaway cluster on 127.0.0.1, fsync=off, synchronous_commit=off, pg_stat_statements loaded',
    round_trip_us: roundTrip,
    engine_statements: statements,
    engine_statements_top: rawStatements,
  });
  if (failures.length > 0) throw new Error(failures.join('; '));
  return rows;
}

export function figures(rows: Row[]): Figure[] {
  return rows.flatMap((r) => [
    { bench: name, figure: `batch ${r.batch}: skills/s (${Number(r.skills).toLocaleString('en-US')} skills)`, value: r.engine_skills_per_s as number, unit: '/s', target: '', met: null },
    { bench: name, figure: `batch ${r.batch}: pipelined raw baseline skills/s (multi-row upsert)`, value: r.baseline_skills_per_s as number, unit: '/s', target: '', met: null },
    { bench: name, figure: `batch ${r.batch}: engine ÷ pipelined baseline`, value: r.ratio as number, unit: '×', target: '', met: null },
    { bench: name, figure: `batch ${r.batch}: peak RSS`, value: r.engine_peak_rss_mb as number, unit: 'MB', target: `< ${RSS_TARGET_MB} MB`, met: (r.engine_peak_rss_mb as number) < RSS_TARGET_MB },
    { bench: name, figure: `batch ${r.batch}: engine statements per page (baseline: ${r.baseline_statements_per_page})`, value: r.engine_statements_per_page as number, unit: '', target: '', met: null },
  ]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === here) {
  const { values } = parseArgs({ options: { skills: { type: 'string' } } });
  await run({ quick: false, skills: values.skills === undefined ? undefined : Number(values.skills) });
}
