import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaderElection, type LeaderRole, type LeaderTimings, type StepDownReason } from '../../engine/leader/advisoryLock.js';
import { spawnReplica, type ReplicaProcess } from '../support/leaderReplica.js';
import { postgresAvailable, usePostgres } from '../support/postgres.js';
import { waitFor } from '../support/waitFor.js';

/** Short timings keep the file quick; the relations the no-overlap argument needs still hold. */
const FAST: Partial<LeaderTimings> = { retryMs: 200, heartbeatMs: 150, heartbeatTimeoutMs: 250, takeoverDelayMs: 600, maxBackoffMs: 400, connectTimeoutMs: 2_000 };

interface Replica {
  readonly id: string;
  readonly election: LeaderElection;
  /** Every change with its time, in the order the listeners heard them. */
  readonly changes: { role: LeaderRole; reason: string; at: number }[];
}

describe.runIf(postgresAvailable())('leader election over a PostgreSQL advisory lock', () => {
  const cluster = usePostgres();
  let replicas: Replica[] = [];
  let processes: ReplicaProcess[] = [];
  afterEach(async () => {
    await Promise.all([...replicas.map((r) => r.election.stop()), ...processes.map((p) => p.kill())]);
    replicas = [];
    processes = [];
  }, 20_000);

  async function start(count: number, timings: Partial<LeaderTimings> = FAST, database?: string): Promise<{ url: string; database: string }> {
    const url = database ?? (await cluster().freshDatabase());
    for (let i = 1; i <= count; i++) {
      const election = new LeaderElection({ instanceId: `replica-${i}`, connectionString: url, timings });
      const replica: Replica = { id: `replica-${i}`, election, changes: [] };
      election.onChange((role, info) => replica.changes.push({ role, reason: info.reason, at: performance.now() }));
      replicas.push(replica);
      election.start();
    }
    return { url, database: new URL(url).pathname.slice(1) };
  }

  const leaders = () => replicas.filter((r) => r.election.isLeader);

  async function oneLeader(timeoutMs = 10_000): Promise<Replica> {
    const found = await waitFor(() => (leaders().length === 1 ? leaders()[0] : undefined), timeoutMs, 20);
    return found!;
  }

  /** Samples every 50 ms until `until` holds or the time is up: the most leaders seen at once, and the samples. */
  async function sample(ms: number, until: () => boolean = () => false): Promise<{ most: number; samples: number }> {
    const deadline = performance.now() + ms;
    let most = 0;
    let samples = 0;
    for (; samples < 1_000 && performance.now() < deadline; samples++) {
      most = Math.max(most, leaders().length);
      if (until()) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return { most, samples };
  }

  /** From the listeners' own record: no replica heard 'leader' while another had not yet heard 'standby'. */
  function expectNoOverlap(): void {
    const spans = replicas.flatMap((r) => {
      const out: { id: string; from: number; to: number }[] = [];
      let from: number | null = null;
      for (const change of r.changes) {
        if (change.role === 'leader') from = change.at;
        else if (from !== null) {
          out.push({ id: r.id, from, to: change.at });
          from = null;
        }
      }
      if (from !== null) out.push({ id: r.id, from, to: Infinity });
      return out;
    });
    for (const a of spans) for (const b of spans) if (a !== b) expect(a.to <= b.from || b.to <= a.from, `${a.id} and ${b.id} led at once`).toBe(true);
  }

  async function lockSessionPid(database: string, id: string): Promise<number> {
    const rows = await cluster().query<{ pid: number }>(database, 'SELECT pid FROM pg_stat_activity WHERE application_name = $1', [`atom-sync:${id}`]);
    expect(rows).toHaveLength(1);
    return rows[0]!.pid;
  }

  it('keeps exactly one leader among three replicas, which all name it', async () => {
    await start(3);
    const leader = await oneLeader();
    const { most, samples } = await sample(2_500);
    expect(samples).toBeGreaterThan(20);
    expect(most).toBe(1);
    expect(leaders()).toEqual([leader]);
    for (const r of replicas) expect(await r.election.leaderInstanceId()).toBe(leader.id);
    expect(leader.changes).toEqual([expect.objectContaining({ role: 'leader', reason: 'elected' })]);
    expectNoOverlap();
  });

  it('hands over within 15 s when the leader stops, with the default timings', async () => {
    await start(3, {});
    const leader = await oneLeader(15_000);
    const stoppedAt = performance.now();
    await leader.election.stop();
    expect(leader.election.isLeader).toBe(false);
    const { most } = await sample(15_000, () => leaders().length === 1);
    const next = leaders()[0];
    expect(next).toBeDefined();
    expect(next).not.toBe(leader);
    const takeoverMs = next!.changes.at(-1)!.at - stoppedAt;
    console.info(`leader takeover after a stop: ${Math.round(takeoverMs)} ms (retry ${next!.election.timings.retryMs} ms + takeover delay ${next!.election.timings.takeoverDelayMs} ms at most)`);
    expect(takeoverMs).toBeLessThan(15_000);
    expect(takeoverMs).toBeLessThanOrEqual(next!.election.timings.retryMs + next!.election.timings.takeoverDelayMs + 1_500);
    expect(most).toBeLessThanOrEqual(1);
    expect(leader.changes.at(-1)).toMatchObject({ role: 'standby', reason: 'stopped' });
    expectNoOverlap();
  }, 40_000);

  it('steps down at once when its lock session is terminated, and a standby takes over', async () => {
    const { database } = await start(3);
    const leader = await oneLeader();
    const pid = await lockSessionPid(database, leader.id);
    const [terminated] = await cluster().query<{ ok: boolean }>(database, 'SELECT pg_terminate_backend($1) AS ok', [pid]);
    expect(terminated!.ok).toBe(true);
    await waitFor(() => !leader.election.isLeader, 1_000, 5);
    expect(leader.changes.at(-1)).toMatchObject({ role: 'standby', reason: expect.stringMatching(/session_lost|heartbeat_failed/) });
    const { most } = await sample(5_000, () => leaders().length === 1 && !leader.election.isLeader);
    expect(most).toBeLessThanOrEqual(1);
    const next = leaders()[0];
    expect(next).toBeDefined();
    expect(next).not.toBe(leader);
    // The old leader came back as a standby on a new session and names the new one.
    await waitFor(async () => (await leader.election.leaderInstanceId()) === next!.id, 5_000, 50);
    expectNoOverlap();
  });

  it('steps down when its session stops answering, and nobody leads while the frozen session still holds the lock', async () => {
    const { database } = await start(3);
    const leader = await oneLeader();
    const pid = await lockSessionPid(database, leader.id);
    // A frozen backend is a network cut as the client sees it: the socket stays open, nothing answers.
    process.kill(pid, 'SIGSTOP');
    let frozen = true;
    try {
      await waitFor(() => !leader.election.isLeader, 2_000, 5);
      const steppedDown = leader.changes.at(-1)!;
      expect(steppedDown).toMatchObject({ role: 'standby' });
      expect(['heartbeat_timeout', 'lease_expired'] as StepDownReason[]).toContain(steppedDown.reason);
      // The lock is still held by the frozen session: safe, but nobody may lead.
      const { most } = await sample(1_500);
      expect(most).toBe(0);
      process.kill(pid, 'SIGCONT');
      frozen = false;
      // Thawed, the backend finds its client gone and exits; the lock comes free and a replica takes over.
      const { most: after } = await sample(8_000, () => leaders().length === 1);
      expect(after).toBeLessThanOrEqual(1);
      const next = leaders()[0];
      expect(next).toBeDefined();
      expect(next!.changes.at(-1)!.at).toBeGreaterThan(steppedDown.at);
      expectNoOverlap();
    } finally {
      if (frozen) process.kill(pid, 'SIGCONT');
    }
  });

  it('never reports leader once the server is gone, and elects one again when it is back', async () => {
    await start(3);
    const leader = await oneLeader();
    await cluster().stopServer();
    try {
      // pg_ctl has returned: every session is gone, so every replica must be a standby now and while it is down.
      await waitFor(() => !leader.election.isLeader, 1_000, 5);
      const { most, samples } = await sample(1_000);
      expect(samples).toBeGreaterThan(10);
      expect(most).toBe(0);
      expect(leader.changes.at(-1)).toMatchObject({ role: 'standby' });
    } finally {
      await cluster().startServer();
    }
    const again = await oneLeader(10_000);
    const { most } = await sample(1_000);
    expect(most).toBe(1);
    expect(leaders()).toEqual([again]);
    expectNoOverlap();
  }, 40_000);

  it('lets a standby take over from a leader whose host froze, which never leads again on waking', async () => {
    const url = await cluster().freshDatabase();
    const frozen = spawnReplica(url, 'replica-frozen', FAST);
    processes.push(frozen);
    await waitFor(() => frozen.lines.some((l) => l.kind === 'change' && l.role === 'leader'), 15_000, 20);
    await start(2, FAST, url);
    await sample(500);
    expect(leaders()).toEqual([]);
    // The whole process stops, as a host that lost power or its network would: its socket stays
    // open and silent, so only the server's idle_session_timeout frees the lock.
    const frozenAt = Date.now();
    frozen.child.kill('SIGSTOP');
    const { most } = await sample(15_000, () => leaders().length === 1);
    const next = leaders()[0];
    expect(next).toBeDefined();
    expect(most).toBe(1);
    const takeoverAt = Date.now();
    console.info(`leader takeover from a frozen host: ${takeoverAt - frozenAt} ms`);
    expect(takeoverAt - frozenAt).toBeLessThan(15_000);
    frozen.child.kill('SIGCONT');
    await waitFor(() => frozen.lines.some((l) => l.kind === 'change' && l.role === 'standby'), 5_000, 20);
    await sample(500);
    // Every moment the frozen replica saw itself leading came before it froze: on waking, its lease had run out.
    const leading = frozen.lines.filter((l) => l.kind === 'sample' && l.leader);
    expect(leading.length).toBeGreaterThan(0);
    for (const l of leading) expect(l.at).toBeLessThanOrEqual(frozenAt);
    const lastFlip = frozen.lines.filter((l) => l.kind === 'sample').at(-1);
    expect(lastFlip).toMatchObject({ leader: false });
    expect(leaders()).toEqual([next]);
  }, 40_000);

  it('leads only within its lease: a blocked event loop cannot stretch it', async () => {
    await start(1);
    const leader = await oneLeader();
    expect(leader.election.isLeader).toBe(true);
    // No timer or socket callback runs while this spins; the lease alone says "no longer sure".
    const until = performance.now() + leader.election.leaseMs + 100;
    while (performance.now() < until) {
      /* busy */
    }
    expect(leader.election.isLeader).toBe(false);
    await oneLeader(5_000);
  });

  it('refuses timings under which two leaders could overlap', () => {
    expect(() => new LeaderElection({ instanceId: 'x', connectionString: 'postgres://h/d', timings: { heartbeatMs: 1_000, heartbeatTimeoutMs: 1_000, takeoverDelayMs: 2_000 } })).toThrow(
      /shorter than takeoverDelayMs/,
    );
  });
});
