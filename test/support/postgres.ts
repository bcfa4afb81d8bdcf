import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { tempDir } from './tempDir.js';
import { freePort } from './freePort.js';

const run = promisify(execFile);

/** The trusted superuser of a test cluster, and a role that needs a password (for wrong-credential cases). */
export const PG_USER = 'atom_test';
export const PG_PASSWORD_USER = 'atom_pw';
export const PG_PASSWORD = 'correct-horse-battery';

export interface PgCluster {
  readonly host: string;
  readonly port: number;
  /** A URL for `database` as the trusted superuser (or as `user`/`password` when given). */
  url(database?: string, login?: { user: string; password?: string }): string;
  /** Creates an empty database with a unique name and returns its URL. */
  freshDatabase(): Promise<string>;
  /** One query on `database` through a short-lived connection. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(database: string, sql: string, params?: unknown[]): Promise<R[]>;
  /** Stops the server at once: every session drops; the port and the data stay for startServer(). */
  stopServer(): Promise<void>;
  /** Starts a stopped server again on the same port and waits until it accepts. */
  startServer(): Promise<void>;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** Where initdb and pg_ctl live: PATH first, then Debian's versioned folders (newest first). */
export function findPostgresBin(): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')) && existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(root, versions[0]!, 'bin') : null;
}

let warned = false;

/**
 * Whether the PostgreSQL tests can run. Without the binaries they are skipped with one warning,
 * except under CI, where a missing server must fail the run rather than pass it silently.
 */
export function postgresAvailable(): boolean {
  if (findPostgresBin() !== null) return true;
  if (process.env.CI === 'true') {
    throw new Error('PostgreSQL server binaries (initdb, pg_ctl) are missing under CI: .ci/run installs the Debian package postgresql');
  }
  if (!warned) console.warn('PostgreSQL tests skipped: no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin');
  warned = true;
  return false;
}

/** initdb and the server refuse to run as root: there, they run as an unprivileged account. */
function serverAccount(): { name: string; uid: number; gid: number } | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      if (Number.isInteger(uid) && uid > 0) return { name, uid, gid };
    } catch {
      /* no such account: try the next */
    }
  }
  throw new Error('running as root and neither a postgres nor a nobody account exists to run the test server');
}


async function waitUntilAccepting(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let attempt = 0; attempt < 200 && Date.now() < deadline; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (error) {
      last = error;
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`the test PostgreSQL did not accept connections within ${timeoutMs} ms: ${(last as Error)?.message ?? 'no attempt'}`);
}

/** Starts a throwaway cluster on 127.0.0.1 (socket in its own temp dir); `stop()` removes everything. */
export async function startPostgres(): Promise<PgCluster> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('no PostgreSQL binaries');
  const account = serverAccount();
  const tmp = tempDir('atom-sync-pg-');
  const dataDir = tmp.file('data');
  const logFile = tmp.file('server.log');
  if (account) chownSync(tmp.dir, account.uid, account.gid);
  const asServer = (cmd: string, args: string[], timeoutMs: number) =>
    account
      ? run('runuser', ['-u', account.name, '--', path.join(bin, cmd), ...args], { timeout: timeoutMs })
      : run(path.join(bin, cmd), args, { timeout: timeoutMs });

  let port = 0;
  let running = false;
  const pgCtl = async (action: 'start' | 'stop') => {
    if (action === 'start') {
      const options = `-k ${tmp.dir} -h 127.0.0.1 -p ${port} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
      await asServer('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '30', '-o', options, 'start'], 40_000);
      running = true;
    } else {
      running = false;
      await asServer('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '20', 'stop'], 30_000);
    }
  };
  // A worker that dies without afterAll still takes its server down.
  const killOnExit = () => {
    if (!running) return;
    try {
      const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      /* already gone */
    }
  };
  process.once('exit', killOnExit);

  try {
    await asServer('initdb', ['-D', dataDir, '-U', PG_USER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'], 60_000);
    writeFileSync(
      path.join(dataDir, 'pg_hba.conf'),
      [
        'local all all trust',
        `host all ${PG_PASSWORD_USER} 127.0.0.1/32 scram-sha-256`,
        'host all all 127.0.0.1/32 trust',
        '',
      ].join('\n'),
    );
    if (account) chownSync(path.join(dataDir, 'pg_hba.conf'), account.uid, account.gid);
    let started = false;
    for (let attempt = 0; attempt < 3 && !started; attempt++) {
      port = await freePort();
      try {
        await pgCtl('start');
        started = true;
      } catch (error) {
        // Another process may have taken the port between the probe and the start.
        if (attempt === 2) throw new Error(`pg_ctl start failed: ${(error as Error).message}\n${readLog(logFile)}`);
      }
    }
  } catch (error) {
    await pgCtl('stop').catch(() => {});
    process.removeListener('exit', killOnExit);
    tmp.cleanup();
    throw error;
  }

  const url = (database = 'postgres', login: { user: string; password?: string } = { user: PG_USER }) => {
    const auth = login.password === undefined ? encodeURIComponent(login.user) : `${encodeURIComponent(login.user)}:${encodeURIComponent(login.password)}`;
    return `postgres://${auth}@127.0.0.1:${port}/${database}`;
  };
  await waitUntilAccepting(url(), 15_000);

  const query = async <R extends pg.QueryResultRow>(database: string, sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: url(database), connectionTimeoutMillis: 5_000 });
    client.on('error', () => {});
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end().catch(() => {});
    }
  };
  await query('postgres', `CREATE ROLE ${PG_PASSWORD_USER} LOGIN PASSWORD '${PG_PASSWORD}'`);

  let databases = 0;
  return {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    url,
    query,
    async freshDatabase() {
      const name = `t${process.pid}_${++databases}`;
      await query('postgres', `CREATE DATABASE ${name}`);
      return url(name);
    },
    stopServer: () => pgCtl('stop'),
    async startServer() {
      await pgCtl('start');
      await waitUntilAccepting(url(), 15_000);
    },
    async stop() {
      await pgCtl('stop').catch(() => {});
      process.removeListener('exit', killOnExit);
      tmp.cleanup();
    },
  };
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

/**
 * One cluster for the calling test file, started in beforeAll and removed in afterAll.
 * Use with `describe.runIf(postgresAvailable())` so the hooks only run where a server can.
 */
export function usePostgres(): () => PgCluster {
  let cluster: PgCluster | null = null;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
    cluster = null;
  }, 60_000);
  return () => {
    if (!cluster) throw new Error('the test PostgreSQL is not running (usePostgres inside describe.runIf(postgresAvailable()))');
    return cluster;
  };
}
