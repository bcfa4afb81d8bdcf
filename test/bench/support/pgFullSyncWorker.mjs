// One PostgreSQL full-sync measurement in a fresh process, against the built engine, so its peak
// RSS is the engine's own and not a TypeScript loader's.
//   node pgFullSyncWorker.mjs <engine|pipelined|sequential|roundtrip> <apiUrl> <batch> <databaseUrl> <statsUrl> <dist>
// engine: the engine with ATOM_DATABASE_URL; pipelined: undici downloads page N+1 while one
// node-postgres client upserts page N with one multi-row INSERT … ON CONFLICT in one transaction;
// sequential: the same, fetch then write. roundtrip: what one statement costs, through
// node-postgres and through the engine's synchronous facade. `statsUrl` is a database holding the
// pg_stat_statements extension: the statements of the measured stretch are read from it.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { request } from 'undici';
import { rssSampler } from './rssSampler.mjs';

const [kind, apiUrl, batchText, databaseUrl, statsUrl, distPath] = process.argv.slice(2);
const batch = Number(batchText);
const dist = new URL(`file://${path.resolve(distPath)}/engine/`);
const database = new URL(databaseUrl).pathname.slice(1);

const TICKS_PER_S = 100; // USER_HZ on Linux

function procStat(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]), cutime: Number(fields[13]), cstime: Number(fields[14]) };
}

/**
 * CPU seconds this cluster's server has used: its postmaster and live children, plus the children
 * it has reaped (cutime/cstime), so a backend that ends within the stretch still counts. Other
 * clusters on the machine (other test runs) are not counted. Null where /proc does not exist.
 */
function serverCpuSeconds(postmaster) {
  try {
    const root = procStat(postmaster);
    let ticks = root.utime + root.stime + root.cutime + root.cstime;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const p = procStat(entry);
        if (p.ppid === postmaster) ticks += p.utime + p.stime;
      } catch {
        /* ended meanwhile: reaped into the postmaster's cutime */
      }
    }
    return ticks / TICKS_PER_S;
  } catch {
    return null;
  }
}

/** Statements run on `database` in the measured stretch, as pg_stat_statements counted them. */
async function statementCounter() {
  const client = new pg.Client({ connectionString: statsUrl });
  await client.connect();
  const oid = (await client.query('SELECT oid FROM pg_database WHERE datname = $1', [database])).rows[0].oid;
  const backend = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  let postmaster = null;
  try {
    postmaster = procStat(backend).ppid;
  } catch {
    /* no /proc, or the server runs elsewhere */
  }
  await client.query('SELECT pg_stat_statements_reset(0, $1, 0)', [oid]);
  return {
    serverCpu: () => (postmaster === null ? null : serverCpuSeconds(postmaster)),
    async read() {
      const { rows } = await client.query(
        `SELECT query, calls::float8 AS calls, total_exec_time AS exec_ms, rows::float8 AS rows
           FROM pg_stat_statements WHERE dbid = $1 ORDER BY calls DESC, total_exec_time DESC`,
        [oid],
      );
      await client.end();
      return rows.map((r) => ({ query: r.query.replace(/\s+/g, ' ').trim(), calls: r.calls, exec_ms: r.exec_ms, rows: r.rows }));
    },
  };
}

/** Runs `body` as the measured stretch: wall time, peak RSS, this process's and the server's CPU, statements. */
async function measure(body) {
  const counter = await statementCounter();
  const idleRss = Math.round(process.memoryUsage().rss / 2 ** 20);
  const stop = rssSampler();
  const server0 = counter.serverCpu();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const skills = await body();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const server1 = counter.serverCpu();
  const peak = stop();
  const statements = await counter.read();
  return {
    ms,
    skills,
    peak_rss_mb: peak,
    idle_rss_mb: idleRss,
    process_cpu_s: (cpu.user + cpu.system) / 1e6,
    server_cpu_s: server0 === null || server1 === null ? null : server1 - server0,
    statements,
  };
}

async function engine() {
  const { loadConfig } = await import(new URL('config/index.js', dist).href);
  const { createEngine } = await import(new URL('index.js', dist).href);
  const dir = mkdtempSync(path.join(tmpdir(), 'atom-bench-pg-'));
  try {
    const config = loadConfig({
      ATOM_SAAS_API_URL: apiUrl,
      ATOM_SAAS_WS_ENABLED: 'false',
      ATOM_DATABASE_URL: databaseUrl,
      ATOM_DB_PATH: path.join(dir, 'unused.db'),
      ATOM_LOG_PATH: path.join(dir, 'engine.log'),
      ATOM_SAAS_SYNC_BATCH_SIZE: String(batch),
      ATOM_LOG_LEVEL: 'warn',
    });
    // Opening the store applies the migrations: done before the measured stretch.
    const instance = await createEngine(config, { listen: false, syncOnStart: false, staticDir: null });
    const result = await measure(async () => {
      const outcome = await instance.services.sync.trigger('full', 'manual');
      if (!outcome.accepted) throw new Error(outcome.reason);
      await instance.services.sync.idle();
      const run = (await instance.services.sync.runs(1))[0];
      if (run.result !== 'success') throw new Error(`full sync ${run.result}: ${run.error}`);
      return instance.services.sync.status().skills_cached;
    });
    await instance.stop();
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function fetchPage(page) {
  const res = await request(`${apiUrl}/skills/marketplace/skills?page=${page}&page_size=${batch}`);
  if (res.statusCode !== 200) throw new Error(`page ${page}: HTTP ${res.statusCode}`);
  return res.body.json();
}

const lastPage = (body, page) => body.skills.length < batch || (body.total_pages !== undefined && page >= body.total_pages);

const COLUMNS = ['skill_id', 'name', 'description', 'version', 'category', 'skill_type', 'author', 'tags', 'payload', 'average_rating', 'rating_count', 'remote_updated_at', 'synced_at'];
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v) => (v === undefined || v === null ? null : String(v));

/** The raw writer: one client, one multi-row upsert per page (prepared once per row count), one transaction each. */
async function rawWriter() {
  const { migratePg } = await import(new URL('store/pg/migrationsPg.js', dist).href);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await migratePg(client);
  const texts = new Map();
  const textFor = (rows) => {
    let text = texts.get(rows);
    if (!text) {
      const tuples = Array.from({ length: rows }, (_, r) => `(${COLUMNS.map((_, c) => `$${r * COLUMNS.length + c + 1}`).join(', ')})`);
      text = `INSERT INTO community_skills (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}
        ON CONFLICT (skill_id) DO UPDATE SET name = excluded.name, payload = excluded.payload, synced_at = excluded.synced_at`;
      texts.set(rows, text);
    }
    return text;
  };
  return {
    async write(skills, now) {
      if (skills.length === 0) return;
      const values = [];
      for (const s of skills) {
        values.push(s.skill_id, s.name, str(s.description), str(s.version), str(s.category), str(s.skill_type), str(s.author), JSON.stringify(Array.isArray(s.tags) ? s.tags : []), JSON.stringify(s), num(s.average_rating), Math.trunc(num(s.rating_count)), str(s.updated_at), now);
      }
      await client.query('BEGIN');
      try {
        await client.query({ name: `page_${skills.length}`, text: textFor(skills.length), values });
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    },
    close: () => client.end(),
  };
}

async function pipelined() {
  const writer = await rawWriter();
  const result = await measure(async () => {
    let skills = 0;
    let writing = Promise.resolve();
    for (let page = 1; page < 1_000_000; page++) {
      const body = await fetchPage(page);
      // At most one page being written: this one goes once the previous one has committed.
      await writing;
      writing = writer.write(body.skills, new Date().toISOString());
      skills += body.skills.length;
      if (lastPage(body, page)) break;
    }
    await writing;
    return skills;
  });
  await writer.close();
  return result;
}

async function sequential() {
  const writer = await rawWriter();
  const result = await measure(async () => {
    let skills = 0;
    for (let page = 1; page < 1_000_000; page++) {
      const body = await fetchPage(page);
      await writer.write(body.skills, new Date().toISOString());
      skills += body.skills.length;
      if (lastPage(body, page)) break;
    }
    return skills;
  });
  await writer.close();
  return result;
}

const ROUND_TRIPS = 5_000;

/** Microseconds per statement: a one-row primary-key SELECT, through node-postgres and through the engine's facade. */
async function roundtrip() {
  const { migratePg } = await import(new URL('store/pg/migrationsPg.js', dist).href);
  const { SyncPgConnection } = await import(new URL('store/pg/syncPgConnection.js', dist).href);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await migratePg(client);
  const text = 'SELECT version, local_modified_at, remote_updated_at FROM community_skills WHERE skill_id = $1';
  const time = async (fn) => {
    for (let i = 0; i < 200; i++) await fn(i);
    const t0 = performance.now();
    for (let i = 0; i < ROUND_TRIPS; i++) await fn(i);
    return ((performance.now() - t0) * 1000) / ROUND_TRIPS;
  };
  const direct = await time((i) => client.query({ name: 'probe', text, values: [`s${i}`] }));
  await client.end();
  const facade = await SyncPgConnection.start({ url: databaseUrl, statementTimeoutMs: 30_000, connectTimeoutMs: 10_000, applicationName: 'atom-bench' });
  const viaFacade = await time(async (i) => {
    const reply = facade.query(text, [`s${i}`], { name: 'probe' });
    if (!reply.ok) throw new Error(reply.error.message);
  });
  await facade.close();
  return { node_postgres_us: direct, facade_us: viaFacade };
}

const kinds = { engine, pipelined, sequential, roundtrip };
if (!(kind in kinds)) throw new Error(`unknown kind ${kind}; choose from ${Object.keys(kinds).join(', ')}`);
const result = await kinds[kind]();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
