/**
 * The crash loop on PostgreSQL: the real daemon (ATOM_DATABASE_URL) SIGKILLed in the middle of a
 * slowed full sync, with local ratings inserted by plain SQL and uploads under way between kills,
 * a bounded number of times; then it is let finish. The catalogue equals the remote's, every run
 * is closed once the next daemon leads, and every local rating is on the remote exactly once.
 *   ATOM_CHAOS_SEED to replay; ATOM_CHAOS_LOG=<file> keeps the daemons' log.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncStatusResponse } from '../../engine/contracts/localHttpApi.js';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { mulberry32 } from '../../emulator/prng.js';
import { postgresAvailable, usePostgres } from '../support/postgres.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';
import { catalogueProblems, deliveryProblems } from '../support/convergence.js';
import { drainRatings, sleep } from '../support/daemonOps.js';
import type { LocalSkillRow } from '../support/localAtom.js';
import { startDaemon, untilLeading, type RunningDaemon } from '../support/runningDaemon.js';

const KILLS = 5;
const SKILLS = 4_000;
const BATCH = 100;
/** Per emulator request: a full listing of 40 pages takes a second or more, so a kill lands inside it. */
const LATENCY_MS = 30;
const RATINGS_PER_ROUND = 12;
const RATED_SKILLS = 500;
const SEED = Number(process.env.ATOM_CHAOS_SEED ?? 20260301);

describe.runIf(postgresAvailable())('crash loop on PostgreSQL: SIGKILL during a full sync, then restart', () => {
  const cluster = usePostgres();
  const tmp = tempDir('atom-sync-pgcrash-');
  const rng = mulberry32(SEED);
  let emulator: EmulatorHandle;
  let daemon: RunningDaemon | null = null;

  beforeAll(async () => {
    emulator = await startEmulator({ skills: SKILLS, categories: 10, seed: 5 });
  });
  afterAll(async () => {
    await daemon?.stop().catch(() => undefined);
    await emulator?.close();
    if (process.env.ATOM_CHAOS_LOG) copyFileSync(tmp.file('logs/atom.log'), process.env.ATOM_CHAOS_LOG);
    tmp.cleanup();
  });

  it(`keeps every invariant over ${KILLS} kills (seed ${SEED})`, async () => {
    const started = Date.now();
    const url = await cluster().freshDatabase();
    const database = new URL(url).pathname.slice(1);
    const env = {
      ATOM_SAAS_API_URL: emulator.apiUrl,
      ATOM_SAAS_WS_URL: emulator.wsUrl,
      ATOM_DATABASE_URL: url,
      ATOM_REPLICA_ID: 'crash',
      ATOM_DB_PATH: tmp.file('unused.db'),
      ATOM_LOG_PATH: tmp.file('logs/atom.log'),
      ATOM_SAAS_SYNC_BATCH_SIZE: String(BATCH),
      ATOM_SAAS_RATING_BATCH_SIZE: '1',
      ATOM_SAAS_WS_BACKOFF_MAX_SECONDS: '1',
    };
    const sql = <R extends Record<string, unknown>>(text: string, params: unknown[] = []) => cluster().query<R>(database, text, params);
    const status = async (d: RunningDaemon) => (await d.call<SyncStatusResponse>('GET', '/api/admin/sync/status', undefined, 5_000)).body;
    /** The local Atom's INSERTs: one pending rating per skill, each by a user of its own; the comment carries the id. */
    async function atomRates(n: number, round: number): Promise<string[]> {
      // Rated skills are never deleted remotely (a rating for a deleted skill is refused, and dead-lettered).
      const skills = [...emulator.liveSkills()].slice(0, RATED_SKILLS);
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const skill = skills[Math.floor(rng() * skills.length)]!;
        const id = randomUUID();
        const now = new Date().toISOString();
        await sql(
          `INSERT INTO skill_ratings (id, skill_id, user_id, rating, comment, origin, sync_status, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, 'local', 'pending', $6, $6)`,
          [id, skill.skill_id, `crash-user-${id.slice(0, 8)}`, 1 + (i % 5), `round ${round} ${id}`, now],
        );
        ids.push(id);
      }
      return ids;
    }

    /** Starts a run (one the socket or the takeover started is let finish first); returns its id. */
    async function startRun(d: RunningDaemon, mode: 'full' | 'incremental' = 'full'): Promise<number> {
      for (let attempt = 0; attempt < 50; attempt++) {
        const trigger = await d.call<{ run_id: number }>('POST', `/api/admin/sync/trigger?mode=${mode}`);
        if (trigger.status === 202) return trigger.body.run_id;
        expect(trigger.status, trigger.text).toBe(409);
        await waitFor(async () => (await status(d)).status === 'idle', 30_000, 20);
      }
      throw new Error(`no ${mode} run could be started`);
    }

    const ratingIds: string[] = [];
    let midRun = 0;
    let midUpload = 0;
    let killedRun: number | null = null;
    let resumed = 0;
    const restartsMs: number[] = [];
    emulator.setFaults({ latency_ms: LATENCY_MS });
    for (let round = 0; round < KILLS; round++) {
      const where = `round ${round} (seed ${SEED})`;
      const restartAt = Date.now();
      daemon = await startDaemon(env);
      const d: RunningDaemon = daemon;
      await untilLeading(d);
      restartsMs.push(Date.now() - restartAt);
      // The run the last kill cut is closed before this leader starts its own.
      if (killedRun !== null) {
        const [cut] = await sql<{ result: string; error: string | null }>('SELECT result, error FROM sync_runs WHERE id = $1', [killedRun]);
        expect(cut, where).toMatchObject({ result: 'cancelled', error: 'process stopped mid-run' });
      }

      // 1. Local ratings arrive, and an upload (one request per rating) starts.
      const own = await atomRates(RATINGS_PER_ROUND, round);
      ratingIds.push(...own);
      const received = emulator.receivedRatings().total;
      await waitFor(async () => [202, 409].includes((await d.call('POST', '/api/admin/sync/ratings')).status), 10_000, 20);
      // 2. A full listing beside it: the takeover run resuming the one the last kill cut, or a new one.
      let runId: number | null = null;
      let from = 0;
      for (let attempt = 0; attempt < 1_000 && runId === null; attempt++) {
        const s = await status(d);
        if (s.status === 'syncing' && s.mode === 'full' && s.progress?.phase === 'skills') {
          runId = s.run_id;
          from = s.progress.done;
        } else if (s.status === 'idle') {
          await d.call('POST', '/api/admin/sync/trigger?mode=full');
        } else {
          await sleep(10);
        }
      }
      expect(runId, where).not.toBeNull();
      // 3. Killed at a seeded moment once two more pages of it are written and the upload has begun to arrive.
      await waitFor(async () => {
        const s = await status(d);
        return (s.progress?.phase === 'skills' && s.progress.done >= from + 2 * BATCH) || s.status === 'idle';
      }, 20_000, 10);
      await waitFor(() => emulator.receivedRatings().total > received, 10_000, 5);
      await sleep(rng() * 200);
      if (killedRun !== null && /resuming full sync page=\d+/.test(d.output())) resumed++;
      const exit = await d.kill();
      expect(exit.signal, where).toBe('SIGKILL');
      daemon = null;
      killedRun = runId;

      const [run] = await sql<{ result: string }>('SELECT result FROM sync_runs WHERE id = $1', [runId]);
      if (run?.result === 'running') midRun++;
      else killedRun = null;
      const reached = new Set(emulator.receivedRatings().items.map((r) => r.client_rating_id));
      if (emulator.receivedRatings().total > received && own.some((id) => !reached.has(id))) midUpload++;
      // Between kills the remote moves on (deleting only skills nobody rated here). More deletes than adds:
      // with the two balanced, a resumed offset listing skips rows unnoticed (see engine.pg.test.ts, churn).
      const deletable = [...emulator.liveSkills()].slice(RATED_SKILLS).map((skill) => skill.skill_id);
      const doomed = new Set<string>();
      for (let guard = 0; doomed.size < 8 && guard < 100; guard++) doomed.add(deletable[Math.floor(rng() * deletable.length)]!);
      emulator.mutate({ update: 40, delete_ids: [...doomed], add: 3, push: false });
    }

    // Then let it finish: one more start, the cut listing to its end, every rating drained.
    emulator.setFaults({});
    daemon = await startDaemon(env);
    await untilLeading(daemon);
    const idle = () => waitFor(async () => (await status(daemon!)).status === 'idle', 60_000, 20);
    // The listing the last kill cut is resumed and finished; it read its first pages before the last
    // remote changes, which the next incremental run (from the cursor the listing started at) brings.
    await startRun(daemon, 'full');
    await idle();
    const final = await startRun(daemon, 'incremental');
    await idle();
    const ratingStatus = await drainRatings(daemon, 30_000);
    const dead = await sql('SELECT rating_id, error FROM failed_rating_uploads WHERE resolved_at IS NULL');
    expect(dead).toEqual([]);
    expect(ratingStatus).toMatchObject({ pending_count: 0, failed_count: 0 });

    const [finalRun] = await sql<{ result: string; error: string | null }>('SELECT result, error FROM sync_runs WHERE id = $1', [final]);
    expect(finalRun).toMatchObject({ result: 'success', error: null });
    const runs = await sql<{ result: string; n: number }>('SELECT result, COUNT(*)::int AS n FROM sync_runs GROUP BY result ORDER BY result');
    expect(runs.find((r) => r.result === 'running'), JSON.stringify(runs)).toBeUndefined();
    const local = new Map(
      (
        await sql<LocalSkillRow & Record<string, unknown>>(
          'SELECT skill_id, name, description, version, remote_updated_at, local_modified_at FROM community_skills WHERE deleted_at IS NULL',
        )
      ).map((r) => [r.skill_id, r as LocalSkillRow]),
    );
    const problems = catalogueProblems(local, emulator.liveSkills());
    if (problems.length > 0) console.log(`runs when the catalogue differed: ${JSON.stringify(await sql('SELECT id, mode, result, items FROM sync_runs ORDER BY id'))}`);
    expect(problems).toEqual([]);
    const [categories] = await sql<{ n: number }>('SELECT COUNT(*)::int AS n FROM skill_categories');
    expect(categories!.n).toBe(10);
    const delivery = deliveryProblems(ratingIds, emulator.receivedRatings());
    expect(delivery.problems).toEqual([]);
    const [uploaded] = await sql<{ n: number }>("SELECT COUNT(*)::int AS n FROM skill_ratings WHERE origin = 'local' AND sync_status = 'uploaded'");
    expect(uploaded!.n).toBe(ratingIds.length);

    console.log(
      `PostgreSQL crash loop: ${KILLS} kills in ${((Date.now() - started) / 1000).toFixed(1)} s; ${midRun} mid full sync (${resumed} resumed by the next leader), ${midUpload} mid upload; ` +
        `start to leading ${Math.min(...restartsMs)}-${Math.max(...restartsMs)} ms; runs ${JSON.stringify(runs)}; ${ratingIds.length} ratings each received once`,
    );
    // A loop whose kills all land after the listing ended proves nothing.
    expect(midRun).toBeGreaterThanOrEqual(KILLS - 1);
    expect(resumed).toBeGreaterThanOrEqual(1);
    expect(midUpload).toBeGreaterThanOrEqual(Math.ceil(KILLS / 2));
  }, 120_000);
});
