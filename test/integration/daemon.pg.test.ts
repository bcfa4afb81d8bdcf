/**
 * The real headless daemon on PostgreSQL (ATOM_DATABASE_URL): start-up failures in one plain
 * line that names the setting and never the password, and a database lost at run time (its
 * sessions terminated, the server stopped and started again): health says so, the daemon keeps
 * retrying, and once the server is back the next sync succeeds with nothing lost.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EngineSnapshot, HealthResponse, SyncStatusResponse } from '../../engine/contracts/localHttpApi.js';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { catalogueProblems } from '../support/convergence.js';
import { drainRatings, syncOnce } from '../support/daemonOps.js';
import { startDaemon, untilLeading, type RunningDaemon } from '../support/runningDaemon.js';
import { spawnDaemon } from '../support/daemonProcess.js';
import { PG_PASSWORD, PG_PASSWORD_USER, postgresAvailable, usePostgres } from '../support/postgres.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';
import { freePort } from '../support/freePort.js';
import { useCleanups } from '../support/cleanups.js';


describe.runIf(postgresAvailable())('the daemon on PostgreSQL', () => {
  const cluster = usePostgres();
  const cleanups = useCleanups();

  function scratch(): ReturnType<typeof tempDir> {
    const tmp = tempDir('atom-sync-daemon-pg-');
    cleanups.push(() => tmp.cleanup());
    return tmp;
  }

  describe('start-up errors: one line naming ATOM_DATABASE_URL, never the password', () => {
    const wrongPassword = 'wrong-horse-staple-42';

    it.each([
      ['a wrong URL scheme', 2, async () => `mysql://${PG_PASSWORD_USER}:${PG_PASSWORD}@127.0.0.1:${cluster().port}/atom`, PG_PASSWORD, /^atom-sync: ATOM_DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//],
      [
        'wrong credentials',
        1,
        async () => cluster().url('postgres', { user: PG_PASSWORD_USER, password: wrongPassword }),
        wrongPassword,
        /^atom-sync: could not start: ATOM_DATABASE_URL \(postgres:\/\/atom_pw:\*\*\*@127\.0\.0\.1:\d+\/postgres\): PostgreSQL at 127\.0\.0\.1:\d+ rejected the password of user "atom_pw"/,
      ],
      [
        'an unreachable server (a closed port)',
        1,
        async () => `postgres://${PG_PASSWORD_USER}:${PG_PASSWORD}@127.0.0.1:${await freePort()}/atom`,
        PG_PASSWORD,
        /^atom-sync: could not start: ATOM_DATABASE_URL \(postgres:\/\/atom_pw:\*\*\*@127\.0\.0\.1:\d+\/atom\): nothing accepts connections at 127\.0\.0\.1:\d+/,
      ],
      [
        'a missing database',
        1,
        async () => cluster().url('no_such_database', { user: PG_PASSWORD_USER, password: PG_PASSWORD }),
        PG_PASSWORD,
        /^atom-sync: could not start: ATOM_DATABASE_URL \(postgres:\/\/atom_pw:\*\*\*@127\.0\.0\.1:\d+\/no_such_database\): PostgreSQL at 127\.0\.0\.1:\d+ has no database "no_such_database"/,
      ],
    ] as const)('%s: exit %i', async (_case, code, url, password, line) => {
      const tmp = scratch();
      const started = Date.now();
      const daemon = spawnDaemon({
        ATOM_DATABASE_URL: await url(),
        ATOM_DB_PATH: tmp.file('unused.db'),
        ATOM_LOG_PATH: tmp.file('atom.log'),
        ATOM_SAAS_API_URL: 'http://127.0.0.1:9/api/v1/marketplace',
        ATOM_SYNC_PORT: '0',
      });
      const exit = await Promise.race([daemon.exited, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
      if (exit === null) daemon.child.kill('SIGKILL');
      expect(exit, daemon.output()).toMatchObject({ code });
      const lines = daemon.output().trim().split('\n');
      expect(lines, daemon.output()).toHaveLength(1);
      expect(lines[0]).toMatch(line);
      expect(lines[0]).toContain('ATOM_DATABASE_URL');
      expect(daemon.output()).not.toContain(password);
      expect(daemon.output()).not.toContain(encodeURIComponent(password));
      const log = existsSync(tmp.file('atom.log')) ? readFileSync(tmp.file('atom.log'), 'utf8') : '';
      expect(log).not.toContain(password);
      console.log(`daemon on PostgreSQL, ${_case}: exit ${exit!.code} after ${Date.now() - started} ms: ${lines[0]}`);
    }, 30_000);
  });

  describe('a database lost at run time', () => {
    interface Running {
      daemon: RunningDaemon;
      emulator: EmulatorHandle;
      database: string;
    }

    async function running(): Promise<Running> {
      const tmp = scratch();
      const emulator = await startEmulator({ skills: 200, categories: 6, seed: 41 });
      cleanups.push(() => emulator.close());
      const url = await cluster().freshDatabase();
      const daemon = await startDaemon({
        ATOM_SAAS_API_URL: emulator.apiUrl,
        ATOM_SAAS_WS_URL: emulator.wsUrl,
        ATOM_DATABASE_URL: url,
        ATOM_REPLICA_ID: 'solo',
        ATOM_DB_PATH: tmp.file('unused.db'),
        ATOM_LOG_PATH: tmp.file('atom.log'),
        ATOM_LOG_LEVEL: 'info',
      });
      cleanups.push(() => daemon.stop());
      // It leads (alone) after the takeover delay, and its first run fills the catalogue.
      await waitFor(async () => (await status(daemon)).skills_cached === emulator.skillCount() && (await status(daemon)).status === 'idle', 30_000, 100);
      return { daemon, emulator, database: new URL(url).pathname.slice(1) };
    }

    const status = async (d: RunningDaemon) => (await d.call<SyncStatusResponse>('GET', '/api/admin/sync/status', undefined, 5_000)).body;
    const health = async (d: RunningDaemon) => {
      const answer = await d.call<HealthResponse>('GET', '/health/sync', undefined, 5_000);
      return { code: answer.status, ...answer.body };
    };

    async function addRatings(r: Running, n: number, tag: string): Promise<string[]> {
      const ids: string[] = [];
      for (const [i, skill] of [...r.emulator.liveSkills()].slice(0, n).entries()) {
        const id = randomUUID();
        const now = new Date().toISOString();
        await cluster().query(
          r.database,
          `INSERT INTO skill_ratings (id, skill_id, user_id, rating, comment, origin, sync_status, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, 'local', 'pending', $6, $6)`,
          [id, skill.skill_id, `${tag}-user-${i}`, 1 + (i % 5), `${tag} ${id}`, now],
        );
        ids.push(id);
      }
      return ids;
    }

    async function localSkills(r: Running) {
      const rows = await cluster().query<{ skill_id: string; name: string; description: string | null; version: string | null; remote_updated_at: string | null; local_modified_at: string | null }>(
        r.database,
        'SELECT skill_id, name, description, version, remote_updated_at, local_modified_at FROM community_skills WHERE deleted_at IS NULL',
      );
      return new Map(rows.map((row) => [row.skill_id, row]));
    }

    /** After the outage: it leads again, a sync succeeds, every rating reaches the remote once, the catalogue equals the remote's. */
    async function expectRecovered(r: Running, ratings: readonly string[]): Promise<void> {
      const { daemon, emulator } = r;
      await untilLeading(daemon);
      const run = await syncOnce(daemon, 'incremental', 30_000);
      const [row] = await cluster().query<{ result: string; error: string | null }>(r.database, 'SELECT result, error FROM sync_runs WHERE id = $1', [run]);
      expect(row).toMatchObject({ result: 'success', error: null });
      expect(await drainRatings(daemon, 30_000)).toMatchObject({ pending_count: 0, failed_count: 0 });
      const received = emulator.receivedRatings();
      expect(received.duplicates).toEqual([]);
      const counts = new Map<string, number>();
      for (const item of received.items) if (item.client_rating_id) counts.set(item.client_rating_id, (counts.get(item.client_rating_id) ?? 0) + 1);
      expect(ratings.filter((id) => counts.get(id) !== 1)).toEqual([]);
      const local = await cluster().query<{ n: number }>(r.database, "SELECT COUNT(*)::int AS n FROM skill_ratings WHERE origin = 'local'");
      expect(local[0]!.n).toBe(ratings.length);
      expect(catalogueProblems(await localSkills(r), emulator.liveSkills())).toEqual([]);
      const open = await cluster().query<{ n: number }>(r.database, "SELECT COUNT(*)::int AS n FROM sync_runs WHERE result = 'running'");
      expect(open[0]!.n).toBe(0);
      expect(await health(daemon)).toMatchObject({ code: 200, status: 'healthy' });
    }

    it('the server stopped mid-sync and started again: the daemon stays up, retries, and the next sync succeeds with nothing lost', async () => {
      const r = await running();
      expect(await health(r.daemon)).toMatchObject({ code: 200, status: 'healthy' });
      const before = await addRatings(r, 10, 'before');
      r.emulator.mutate({ update: 10, delete: 3, add: 4, push: false });
      // A full listing slowed down, so the stop lands in the middle of it.
      r.emulator.setFaults({ latency_ms: 40 });
      const cut = await r.daemon.call<{ run_id: number }>('POST', '/api/admin/sync/trigger?mode=full');
      expect(cut.status).toBe(202);
      await waitFor(async () => ((await status(r.daemon)).progress?.done ?? 0) >= 40, 20_000, 20);
      // The test server runs without synchronous commit: flush what is committed before its crash-stop.
      await cluster().query(r.database, 'CHECKPOINT');
      const stoppedAt = Date.now();
      await cluster().stopServer();
      const degraded = (await waitFor(async () => {
        const h = await health(r.daemon);
        return h.status !== 'healthy' ? h : null;
      }, 20_000, 100))!;
      const degradedMs = Date.now() - stoppedAt;
      // Work asked for while the database is gone is refused; the daemon stays up and keeps trying.
      const trigger = await r.daemon.call<{ error?: string }>('POST', '/api/admin/sync/trigger');
      expect(trigger.status).toBeGreaterThanOrEqual(400);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(r.daemon.proc.child.exitCode).toBeNull();
      expect(r.daemon.output()).toMatch(/leader election cannot reach the database; retrying error="ATOM_DATABASE_URL/);
      r.emulator.setFaults({});

      await cluster().startServer();
      const restartedAt = Date.now();
      const after = await addRatings(r, 5, 'after');
      await expectRecovered(r, [...before, ...after]);
      // The run the outage cut could not record its end: the next leader closed it.
      const [cutRun] = await cluster().query<{ result: string }>(r.database, 'SELECT result FROM sync_runs WHERE id = $1', [cut.body.run_id]);
      expect(cutRun!.result).toBe('cancelled');
      console.log(
        `server stopped mid-sync: /health/sync ${degraded.status} after ${degradedMs} ms, trigger answered ${trigger.status} ${trigger.body.error}; ` +
          `recovered ${Date.now() - restartedAt} ms after the server came back`,
      );
    }, 60_000);

    it('while the server is stopped, /health/sync, the status and the API say what is wrong', async () => {
      const r = await running();
      await cluster().query(r.database, 'CHECKPOINT');
      await cluster().stopServer();
      // Past the step-down and a standby refresh (every 5 s): what an operator sees during the outage.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      const h = await health(r.daemon);
      const snapshot = (await r.daemon.call<EngineSnapshot>('GET', '/api/admin/sync/snapshot')).body;
      const read = await r.daemon.call<{ error: string; detail: string }>('GET', '/api/admin/sync/conflicts');
      console.log(`during the outage: /health/sync ${h.code} ${JSON.stringify(h.checks)}; replica ${JSON.stringify(snapshot.replica)}; skills_cached ${snapshot.sync.skills_cached}; GET conflicts ${read.status} ${read.text}`);
      expect(h.status).not.toBe('healthy');
      // The database check names the database, not "available".
      expect.soft(h.checks.database.status, 'checks.database during the outage').not.toBe('healthy');
      expect.soft(h.checks.database.detail).toMatch(/ATOM_DATABASE_URL|PostgreSQL/);
      // A standby that cannot see the lock knows no leader; it must not name itself.
      expect.soft(snapshot.replica, 'replica during the outage').toMatchObject({ role: 'standby', leader_id: null });
      // The cache is still there: status keeps what it last read instead of an empty catalogue.
      expect.soft(snapshot.sync.skills_cached, 'skills_cached during the outage').toBe(r.emulator.skillCount());
      // A read the database cannot answer is a 503 that says why, not an internal error.
      expect.soft(read.status, 'GET /conflicts during the outage').toBe(503);
      expect.soft(read.body.detail).toMatch(/ATOM_DATABASE_URL/);
      expect.soft(read.text).not.toContain(PG_PASSWORD);

      await cluster().startServer();
      await expectRecovered(r, []);
    }, 60_000);

    it("the daemon's sessions terminated: health reports it, and the next sync succeeds with nothing lost", async () => {
      const r = await running();
      const ratings = await addRatings(r, 8, 'cut');
      r.emulator.mutate({ update: 6, delete: 2, add: 2, push: false });
      const cut = await cluster().query<{ n: number }>(
        r.database,
        'SELECT COUNT(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      expect(cut[0]!.n).toBeGreaterThanOrEqual(2);
      // Its lock session went with them: it steps down until it wins the lock again.
      const h = (await waitFor(async () => {
        const now = await health(r.daemon);
        return now.status !== 'healthy' ? now : null;
      }, 10_000, 50))!;
      console.log(`sessions terminated (${cut[0]!.n}): health ${h.status}: ${JSON.stringify(h.checks)}`);
      await expectRecovered(r, ratings);
    }, 60_000);
  });
});
