/**
 * The real daemon uploading ratings one by one to a remote without the batch extension that
 * keeps one rating per (skill, user), loses a quarter of its replies after storing, and sees
 * the daemon SIGKILLed six times mid-upload. The local Atom adds ratings (some of them new
 * rows for pairs it rated before) and changes others with plain SQL between the kills. Once the
 * faults are lifted and the queue drained: every pair is on the remote exactly once with the
 * newest local value, nothing is left in failed uploads, and the file is intact.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailedUploadsResponse, RatingStatusResponse } from '../../engine/contracts/localHttpApi.js';
import { skillIdOf } from '../../emulator/dataset.js';
import { startEmulator, type EmulatorFaults, type EmulatorHandle } from '../../emulator/index.js';
import { mulberry32 } from '../../emulator/prng.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';
import { sleep } from '../support/daemonOps.js';
import { LocalAtom } from '../support/localAtom.js';
import { startDaemon, type RunningDaemon } from '../support/runningDaemon.js';

const SEED = Number(process.env.ATOM_CHAOS_SEED ?? 20260301);
const SKILLS = 400;
const KILLS = 6;
const RATINGS = 300;
/** Of each round's new rows, this many rate a pair again that an earlier round rated. */
const SIBLINGS_PER_ROUND = 6;
const EDITS_PER_ROUND = 6;
const BASE_API: EmulatorFaults = { unsupported_extensions: ['ratings_batch'] };

interface LocalRow {
  id: string;
  skill_id: string;
  user_id: string;
  rating: number;
  comment: string;
  created_at: string;
  updated_at: string;
}

describe('rating uploads killed mid-flight against a one-rating-per-pair remote with lost replies', () => {
  const tmp = tempDir('atom-sync-ratings-kill-');
  const dbPath = tmp.file('atom_dev.db');
  const rng = mulberry32(SEED);
  let emulator: EmulatorHandle;
  let daemon: RunningDaemon | null = null;
  let env: Record<string, string>;

  beforeAll(async () => {
    emulator = await startEmulator({ skills: SKILLS, seed: 23, ratingsPerSkill: 1 });
    env = {
      ATOM_SAAS_API_URL: emulator.apiUrl,
      ATOM_SAAS_WS_URL: emulator.wsUrl,
      ATOM_DB_PATH: dbPath,
      ATOM_LOG_PATH: tmp.file('logs/atom.log'),
      ATOM_SAAS_WS_BACKOFF_MAX_SECONDS: '1',
    };
  });
  afterAll(async () => {
    await daemon?.stop().catch(() => undefined);
    await emulator?.close();
    tmp.cleanup();
  });

  /** Real time past every stamp the remote gave our writes (its stamps may run ahead in a burst). */
  const serverClockPassed = async () => {
    const newest = Math.max(0, ...emulator.receivedRatings().items.map((i) => Date.parse(i.updated_at)));
    await waitFor(() => Date.now() > newest, 10_000, 5);
  };
  const writes = () => {
    const r = emulator.receivedRatings().requests;
    return r.create + r.update + r.conflict;
  };
  const ratingStatus = async (d: RunningDaemon) => (await d.call<RatingStatusResponse>('GET', '/api/admin/sync/ratings/status')).body;
  const triggerRatings = async (d: RunningDaemon) => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const status = (await d.call('POST', '/api/admin/sync/ratings')).status;
      if (status === 202) return;
      await sleep(10);
    }
    throw new Error('could not start a rating sync');
  };

  it(`converges after ${KILLS} kills (seed ${SEED})`, async () => {
    const started = Date.now();
    emulator.setFaults(BASE_API);
    daemon = await startDaemon(env);
    const faults: EmulatorFaults = { ...BASE_API, lost_reply_rate: 0.25, latency_ms: 15, seed: SEED };
    emulator.setFaults(faults);

    const perRound = Math.ceil(RATINGS / KILLS);
    const skills = Array.from({ length: SKILLS }, (_, i) => skillIdOf(i));
    let nextSkill = 0;
    let inserted = 0;
    let edits = 0;
    let midUpload = 0;

    for (let round = 0; round < KILLS; round++) {
      // 1. The local Atom: new ratings, new rows for pairs rated before, changes to earlier rows.
      const local = new LocalAtom(dbPath);
      await serverClockPassed();
      const count = Math.min(perRound, RATINGS - inserted);
      const siblings = round === 0 ? 0 : Math.min(SIBLINGS_PER_ROUND, count);
      const fresh = skills.slice(nextSkill, nextSkill + count - siblings);
      nextSkill += fresh.length;
      if (round > 0) {
        const earlier = local.db.prepare("SELECT id, skill_id, user_id FROM skill_ratings WHERE origin = 'local' ORDER BY id").all() as LocalRow[];
        for (let k = 0; k < siblings; k++) {
          // a new row for a pair rated before, as Atom writes a second rating by the same user
          const pair = earlier[Math.floor(rng() * earlier.length)]!;
          local.addRating(pair.skill_id, pair.user_id, 1 + Math.floor(rng() * 5), `rated again in round ${round} (${k})`);
        }
        const change = local.db.prepare('UPDATE skill_ratings SET rating = ?, comment = ? WHERE id = ?');
        for (let k = 0; k < EDITS_PER_ROUND; k++) {
          const id = earlier[Math.floor(rng() * earlier.length)]!.id;
          // half as Atom's re-rate does (with its own updated_at), half leaving updated_at to the trigger
          if (k % 2 === 0) local.updateRating(id, 1 + Math.floor(rng() * 5), `changed in round ${round} ${id}`);
          else change.run(1 + Math.floor(rng() * 5), `changed in round ${round} by plain SQL ${id}`, id);
          edits++;
        }
      }
      local.addRatings(fresh, `round ${round}`);
      inserted += count;
      local.close();

      // 2. An upload, killed while it runs.
      const d = daemon!;
      let killedSyncing = false;
      for (let attempt = 0; attempt < 10 && !killedSyncing; attempt++) {
        const before = writes();
        await triggerRatings(d);
        // ten writes into the pass (or the pass gave up early: the remote kept failing), then a random moment
        await waitFor(async () => writes() >= before + 10 || (await ratingStatus(d)).status === 'idle', 15_000, 5);
        await sleep(rng() * 250);
        killedSyncing = (await ratingStatus(d)).status === 'syncing';
      }
      await d.kill();
      daemon = null;
      if (killedSyncing) midUpload++;

      // 3. The file as the kill left it, then a restart.
      const crashed = new Database(dbPath);
      expect(crashed.pragma('integrity_check', { simple: true }), `round ${round}`).toBe('ok');
      crashed.close();
      daemon = await startDaemon(env);
    }

    // 4. One more pass under the faults, then they are lifted (the remote still has no batch
    // path); drain, with retry-all for the dead letters.
    const d = daemon!;
    await triggerRatings(d);
    await waitFor(async () => (await ratingStatus(d)).status === 'idle', 30_000, 20);
    emulator.setFaults(BASE_API);
    let status: RatingStatusResponse | null = null;
    for (let pass = 0; pass < 15; pass++) {
      if ((await ratingStatus(d)).failed_count > 0) await d.call('POST', '/api/admin/sync/ratings/failed-uploads/retry-all');
      await waitFor(async () => (await ratingStatus(d)).status === 'idle', 20_000, 20);
      await triggerRatings(d);
      status = await waitFor(async () => {
        const s = await ratingStatus(d);
        return s.status === 'idle' ? s : null;
      }, 20_000, 20);
      if (status?.pending_count === 0 && status.failed_count === 0) break;
    }
    expect(status).toMatchObject({ pending_count: 0, failed_count: 0 });
    expect((await d.call<FailedUploadsResponse>('GET', '/api/admin/sync/ratings/failed-uploads')).body.total).toBe(0);
    const retryAll = await d.call<{ queued: number }>('POST', '/api/admin/sync/ratings/failed-uploads/retry-all');
    expect(retryAll.body.queued).toBe(0);

    // 5. Every pair once, with the newest local value; nothing deleted, nothing left behind.
    const db = new Database(dbPath, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = db.prepare("SELECT id, skill_id, user_id, rating, comment, created_at, updated_at FROM skill_ratings WHERE origin = 'local'").all() as LocalRow[];
    const unsent = db.prepare("SELECT COUNT(*) FROM skill_ratings WHERE origin = 'local' AND sync_status <> 'uploaded'").pluck().get();
    const superseded = db.prepare("SELECT COUNT(*) FROM skill_ratings WHERE superseded_by IS NOT NULL").pluck().get() as number;
    db.close();
    expect(rows).toHaveLength(RATINGS);
    expect(unsent).toBe(0);
    const newest = new Map<string, LocalRow>();
    const age = (r: LocalRow) => [Date.parse(r.updated_at), Date.parse(r.created_at), r.id] as const;
    for (const r of rows) {
      const key = `${r.skill_id}|${r.user_id}`;
      const held = newest.get(key);
      if (!held || age(r) > age(held)) newest.set(key, r);
    }
    const report = emulator.receivedRatings();
    expect(report.duplicates).toEqual([]);
    const onRemote = new Map<string, typeof report.items>();
    for (const item of report.items) onRemote.set(`${item.skill_id}|${item.user_id}`, [...(onRemote.get(`${item.skill_id}|${item.user_id}`) ?? []), item]);
    const problems: string[] = [];
    for (const [key, r] of newest) {
      const there = onRemote.get(key) ?? [];
      if (there.length !== 1) problems.push(`${key}: ${there.length} ratings on the remote`);
      else if (there[0]!.rating !== r.rating || there[0]!.comment !== r.comment) problems.push(`${key}: remote has ${there[0]!.rating} "${there[0]!.comment}", newest local ${r.rating} "${r.comment}"`);
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(report.items).toHaveLength(newest.size);

    const seconds = (Date.now() - started) / 1000;
    console.log(
      `ratings kill loop: ${KILLS} kills (${midUpload} while syncing) in ${seconds.toFixed(1)} s; ${RATINGS} local rows, ` +
        `${newest.size} pairs, ${edits} edits, ${superseded} superseded; remote requests ${JSON.stringify(report.requests)}, ` +
        `${emulator.stats().lost_replies} replies lost`,
    );
    expect(midUpload).toBe(KILLS);
    expect(emulator.stats().lost_replies).toBeGreaterThan(0); // and none of them made a second rating
    expect(seconds).toBeLessThan(60);
  }, 90_000);
});
