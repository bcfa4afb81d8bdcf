/**
 * Several real daemons on one PostgreSQL database: exactly one leads at every sampled moment,
 * a killed leader is replaced within 15 s, a leader whose database session is cut steps down,
 * and through it all every local rating reaches the remote exactly once and the catalogue ends
 * equal to the remote's.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import type { EngineSnapshot } from '../../engine/contracts/localHttpApi.js';
import { postgresAvailable, usePostgres } from '../support/postgres.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';
import { startDaemon, type RunningDaemon } from '../support/runningDaemon.js';
import { useCleanups } from '../support/cleanups.js';

const TAKEOVER_LIMIT_MS = 15_000;

describe.runIf(postgresAvailable())('daemon replicas on one PostgreSQL database', () => {
  const cluster = usePostgres();
  const cleanups = useCleanups(60_000);

  async function setup(count: number) {
    const tmp = tempDir('atom-sync-replicas-');
    cleanups.push(() => tmp.cleanup());
    const emulator = await startEmulator({ skills: 300, categories: 8, seed: 11 });
    cleanups.push(() => emulator.close());
    const databaseUrl = await cluster().freshDatabase();
    const database = new URL(databaseUrl).pathname.slice(1);
    const env = (i: number) => ({
      ATOM_SAAS_API_URL: emulator.apiUrl,
      ATOM_SAAS_WS_URL: emulator.wsUrl,
      ATOM_DATABASE_URL: databaseUrl,
      ATOM_REPLICA_ID: `replica-${i}`,
      ATOM_DB_PATH: tmp.file(`replica-${i}/unused.db`),
      ATOM_LOG_PATH: tmp.file(`replica-${i}/atom.log`),
      ATOM_SAAS_RATING_SYNC_INTERVAL_MINUTES: '1',
      ATOM_LOG_LEVEL: 'info',
    });
    const daemons: RunningDaemon[] = [];
    const start = async (i: number) => {
      const daemon = await startDaemon(env(i));
      cleanups.push(() => daemon.stop());
      daemons[i - 1] = daemon;
      return daemon;
    };
    for (let i = 1; i <= count; i++) await start(i);
    return { emulator, database, daemons, start };
  }

  const snapshotOf = async (d: RunningDaemon) => (await d.call<EngineSnapshot>('GET', '/api/admin/sync/snapshot', undefined, 2_000)).body;
  const alive = (d: RunningDaemon) => d.proc.child.exitCode === null && d.proc.child.signalCode === null;

  /** The replicas that say they lead right now (a daemon that does not answer counts as not leading). */
  async function leaders(daemons: RunningDaemon[]): Promise<string[]> {
    const roles = await Promise.all(
      daemons.filter(alive).map(async (d) => {
        try {
          const s = await snapshotOf(d);
          return s.replica.role === 'leader' ? s.replica.instance_id : null;
        } catch {
          return null;
        }
      }),
    );
    return roles.filter((r): r is string => r !== null);
  }

  /** Samples the roles every 100 ms for `ms`; fails at once on a sample with two leaders. */
  async function sampleExactlyOne(daemons: RunningDaemon[], ms: number): Promise<number> {
    const until = Date.now() + ms;
    let samples = 0;
    for (let i = 0; i < 1_000 && Date.now() < until; i++) {
      const now = await leaders(daemons);
      expect(now.length, `sample ${i}: ${now.join(', ')}`).toBeLessThanOrEqual(1);
      if (now.length === 1) samples += 1;
      await new Promise((r) => setTimeout(r, 100));
    }
    return samples;
  }

  async function addRatings(emulator: EmulatorHandle, database: string, n: number, tag: string): Promise<string[]> {
    const skills = [...emulator.liveSkills()].slice(0, n);
    const ids: string[] = [];
    for (const [i, skill] of skills.entries()) {
      const id = randomUUID();
      const now = new Date().toISOString();
      await cluster().query(
        database,
        `INSERT INTO skill_ratings (id, skill_id, user_id, rating, comment, origin, sync_status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'local', 'pending', $6, $6)`,
        [id, skill.skill_id, `user-${tag}-${i}`, 1 + (i % 5), null, now],
      );
      ids.push(id);
    }
    return ids;
  }

  it('exactly one leads; SIGKILL the leader and another leads within 15 s; ratings exactly once, catalogue equal', async () => {
    const { emulator, database, daemons } = await setup(3);
    await waitFor(async () => (await leaders(daemons)).length === 1, 20_000, 100);
    expect(await sampleExactlyOne(daemons, 3_000)).toBeGreaterThan(10);
    await addRatings(emulator, database, 20, 'before');

    const [first] = await leaders(daemons);
    const victim = daemons[Number(first!.split('-')[1]) - 1]!;
    await waitFor(async () => (await snapshotOf(victim)).sync.last_sync !== null, 20_000, 100);
    emulator.mutate({ update: 20, delete: 5, add: 10 });
    await addRatings(emulator, database, 15, 'during');

    const killedAt = Date.now();
    await victim.kill();
    const next = await waitFor(async () => (await leaders(daemons)).find((id) => id !== first) ?? null, TAKEOVER_LIMIT_MS + 2_000, 100);
    const takeoverMs = Date.now() - killedAt;
    console.log(`replicas: leader ${first} killed; ${next} led after ${takeoverMs} ms`);
    expect(takeoverMs).toBeLessThan(TAKEOVER_LIMIT_MS);
    expect(await sampleExactlyOne(daemons, 2_000)).toBeGreaterThan(5);

    // The new leader closes the gap and uploads what is pending: every rating once, the catalogue equal.
    const leader = daemons[Number(next!.split('-')[1]) - 1]!;
    await leader.call('POST', '/api/admin/sync/trigger');
    await leader.call('POST', '/api/admin/sync/ratings');
    await waitFor(async () => {
      const pending = await cluster().query<{ n: number }>(database, `SELECT COUNT(*)::int AS n FROM skill_ratings WHERE origin = 'local' AND sync_status = 'pending'`);
      return pending[0]!.n === 0;
    }, 30_000, 200);
    await waitFor(async () => {
      const s = await snapshotOf(leader);
      return s.sync.status === 'idle' && s.sync.skills_cached === emulator.skillCount();
    }, 30_000, 200);
    const received = emulator.receivedRatings();
    expect(received.duplicates).toEqual([]);
    expect(received.items.filter((r) => r.user_id.startsWith('user-before-') || r.user_id.startsWith('user-during-'))).toHaveLength(35);
    const local = await cluster().query<{ skill_id: string }>(database, 'SELECT skill_id FROM community_skills ORDER BY skill_id');
    expect(local.map((r) => r.skill_id)).toEqual([...emulator.liveSkills()].map((s) => s.skill_id));
  }, 120_000);

  it('a leader whose database session is cut steps down, and another one leads', async () => {
    const { database, daemons } = await setup(2);
    await waitFor(async () => (await leaders(daemons)).length === 1, 20_000, 100);
    const [first] = await leaders(daemons);
    // Every session of the leader's lock: its application_name carries the replica id.
    const cut = await cluster().query<{ n: number }>(
      database,
      `SELECT COUNT(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE $1`,
      [`%${first}%`],
    );
    expect(cut[0]!.n).toBeGreaterThan(0);
    const old = daemons[Number(first!.split('-')[1]) - 1]!;
    await waitFor(async () => (await snapshotOf(old)).replica.role === 'standby' || (await leaders(daemons)).some((id) => id !== first), 15_000, 50);
    const next = await waitFor(async () => (await leaders(daemons))[0] ?? null, TAKEOVER_LIMIT_MS, 100);
    expect(next).toBeTruthy();
    expect(await sampleExactlyOne(daemons, 2_000)).toBeGreaterThan(5);
  }, 90_000);
});
