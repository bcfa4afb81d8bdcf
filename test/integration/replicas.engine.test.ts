import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { loadConfig } from '../../engine/config/index.js';
import { createEngine, type EngineInternals } from '../../engine/index.js';
import { LeaderElection, type LeaderTimings } from '../../engine/leader/advisoryLock.js';
import { postgresAvailable, usePostgres } from '../support/postgres.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';
import { useCleanups } from '../support/cleanups.js';

/** Short timings keep the file quick; the relations the no-overlap argument needs still hold. */
const FAST: Partial<LeaderTimings> = { retryMs: 200, heartbeatMs: 150, heartbeatTimeoutMs: 250, takeoverDelayMs: 600, maxBackoffMs: 400, connectTimeoutMs: 2_000 };

async function call(engine: EngineInternals, method: 'GET' | 'POST', path: string) {
  const res = await request(`${engine.url}${path}`, { method });
  const text = await res.body.text();
  return { status: res.statusCode, body: (path.startsWith('/metrics') ? text : JSON.parse(text)) as Record<string, unknown> & string };
}

describe.runIf(postgresAvailable())('engine replicas on one PostgreSQL database, electing one leader', () => {
  const cluster = usePostgres();
  const cleanups = useCleanups();

  async function replicas(count: number): Promise<{ engines: EngineInternals[]; emulator: EmulatorHandle; add: () => Promise<EngineInternals> }> {
    const tmp = tempDir('atom-sync-replicas-');
    cleanups.push(() => tmp.cleanup());
    const emulator = await startEmulator({ skills: 80, categories: 4, seed: 3 });
    cleanups.push(() => emulator.close());
    const databaseUrl = await cluster().freshDatabase();
    const engines: EngineInternals[] = [];
    const add = async () => {
      const i = engines.length + 1;
      const config = loadConfig(
        {
          ATOM_SAAS_API_URL: emulator.apiUrl,
          ATOM_SAAS_WS_URL: emulator.wsUrl,
          ATOM_DATABASE_URL: databaseUrl,
          ATOM_REPLICA_ID: `replica-${i}`,
          ATOM_LOG_PATH: tmp.file(`logs/replica-${i}.log`),
          ATOM_SYNC_PORT: '0',
          ATOM_LOG_LEVEL: 'warn',
        },
        tmp.dir,
      );
      // The engine's own election, with short timings so the file stays quick.
      const leadership = new LeaderElection({ instanceId: config.replicaId, connectionString: databaseUrl, timings: FAST });
      const engine = await createEngine(config, { leadership, staticDir: null });
      cleanups.push(() => engine.stop());
      await engine.start();
      engines.push(engine);
      return engine;
    };
    for (let i = 1; i <= count; i++) await add();
    return { engines, emulator, add };
  }

  it('one replica leads and syncs; the others serve reads, answer remote work with not_leader, and report standby', async () => {
    const { engines, emulator } = await replicas(3);
    const leader = (await waitFor(() => engines.find((e) => e.isLeader) ?? null, 10_000, 20))!;
    await waitFor(() => leader.snapshot().sync.skills_cached === emulator.skillCount(), 15_000, 50);
    const standbys = engines.filter((e) => e !== leader);
    expect(standbys.every((e) => !e.isLeader)).toBe(true);

    // Only the leader holds a socket to the remote.
    await waitFor(() => emulator.stats().ws_clients === 1, 10_000, 50);

    for (const standby of standbys) {
      await waitFor(() => standby.snapshot().replica.leader_id === leader.snapshot().replica.instance_id, 10_000, 50);
      const trigger = await call(standby, 'POST', '/api/admin/sync/trigger');
      expect(trigger.status).toBe(409);
      expect(trigger.body).toMatchObject({ error: 'not_leader', leader: leader.snapshot().replica.instance_id });
      const status = await call(standby, 'GET', '/api/admin/sync/snapshot');
      expect(status.body).toMatchObject({ replica: { role: 'standby' } });
      // What the leader stored is served by every replica.
      await waitFor(() => standby.snapshot().sync.skills_cached === emulator.skillCount(), 10_000, 50);
      // Ready while a leader exists (a lock query that times out under load reads as "none leads" for one refresh).
      const health = await waitFor(async () => {
        const answer = await call(standby, 'GET', '/health/sync');
        return answer.status === 200 ? answer : null;
      }, 15_000, 100);
      expect(health!.body).toMatchObject({ status: 'healthy' });
      expect(String((await call(standby, 'GET', '/metrics/sync')).body)).toMatch(/^sync_leader 0$/m);
    }
    expect(String((await call(leader, 'GET', '/metrics/sync')).body)).toMatch(/^sync_leader 1$/m);
    // The leader takes remote work (a run the socket started may still be going: then it is in progress).
    const trigger = await call(leader, 'POST', '/api/admin/sync/trigger');
    expect(trigger.status === 202 || trigger.body.error === 'sync_in_progress', JSON.stringify(trigger.body)).toBe(true);
  }, 60_000);

  it('when the leader stops, another replica leads within 15 s and goes on from the stored cursor', async () => {
    const { engines, emulator } = await replicas(2);
    const first = (await waitFor(() => engines.find((e) => e.isLeader) ?? null, 10_000, 20))!;
    await waitFor(() => first.snapshot().sync.last_sync !== null, 15_000, 50);
    const other = engines.find((e) => e !== first)!;

    emulator.mutate({ update: 5, add: 3 });
    const stoppedAt = Date.now();
    await first.stop();
    await waitFor(() => other.isLeader, 15_000, 20);
    const takeoverMs = Date.now() - stoppedAt;
    expect(takeoverMs).toBeLessThan(15_000);
    // The new leader's first run is incremental from the stored cursor, and brings the changes.
    await waitFor(() => other.snapshot().sync.skills_cached === emulator.skillCount() && other.snapshot().sync.status === 'idle', 15_000, 50);
    const [run] = await other.services.sync.runs(1);
    expect(run).toMatchObject({ mode: 'incremental', result: 'success' });
    expect(other.snapshot().replica).toMatchObject({ role: 'leader', leader_id: other.snapshot().replica.instance_id });
  }, 60_000);

  it('a replica that starts while the leader syncs leaves the leader’s run alone', async () => {
    const { engines, emulator, add } = await replicas(1);
    const leader = (await waitFor(() => engines.find((e) => e.isLeader) ?? null, 10_000, 20))!;
    await leader.services.sync.idle();
    emulator.setFaults({ latency_ms: 200 });
    const outcome = await leader.services.sync.trigger('full', 'manual');
    expect(outcome.accepted).toBe(true);
    const standby = await add();
    expect(standby.isLeader).toBe(false);
    // Still the leader's, in flight: a standby never closes it as abandoned.
    expect((await standby.services.sync.runs(1))[0]).toMatchObject({ result: 'running', finished_at: null });
    emulator.setFaults({});
    await leader.services.sync.idle();
    const [run] = await leader.services.sync.runs(1);
    expect(run).toMatchObject({ id: outcome.accepted ? outcome.run_id : -1, result: 'success' });
  }, 60_000);
});
