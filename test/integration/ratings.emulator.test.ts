/**
 * Rating sync against the real emulator over loopback with the real marketplace client:
 * lossless, duplicate-free uploads under injected failures, the dead letter, the per-rating
 * fallback, and the download of other users' ratings.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../engine/clock.js';
import { EngineEvents } from '../../engine/events.js';
import { silentLogger } from '../../engine/log/index.js';
import { RatingSyncService } from '../../engine/ratings/ratingSyncService.js';
import { createMarketplaceClient } from '../../engine/remote/marketplaceClient.js';
import type { MarketplaceClient } from '../../engine/remote/types.js';
import { openDatabase, type Db } from '../../engine/store/database.js';
import { SkillsRepo } from '../../engine/store/skillsRepo.js';
import { openStore } from '../../engine/storeHost/openStore.js';
import { skillIdOf } from '../../emulator/dataset.js';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';

/** Wall-clock timers, with time that a test can move on (past a backoff) without waiting. */
class JumpClock implements Clock {
  offset = 0;
  now = () => Date.now() + this.offset;
  setTimeout = systemClock.setTimeout;
  clearTimeout = systemClock.clearTimeout;
}

const SKILLS = 200;
let emu: EmulatorHandle;

beforeAll(async () => {
  emu = await startEmulator({ skills: SKILLS, seed: 3, ratingsPerSkill: 1 });
});
afterAll(async () => {
  await emu.close();
});

interface Env {
  db: Db;
  client: MarketplaceClient;
  clock: JumpClock;
  service: RatingSyncService;
  /** Sum of `ratings.upload` counts per result. */
  outcomes: Record<string, number>;
  close: () => Promise<void>;
}
let env: Env;

beforeEach(async () => {
  emu.reset();
  const tmp = tempDir('atom-ratings-it-');
  const events = new EngineEvents();
  const store = await openStore({ file: tmp.file('atom_dev.db'), events, log: silentLogger });
  // The test's own connection to the same file, to look at the rows and to change them as the local Atom does.
  const db = openDatabase(tmp.file('atom_dev.db'));
  const clock = new JumpClock();
  // Few, quick transport retries so that whole requests do fail now and then under faults.
  const client = createMarketplaceClient({
    apiUrl: emu.apiUrl,
    token: null,
    instanceId: 'ratings-it',
    timeoutMs: 5_000,
    clock: systemClock,
    log: silentLogger,
    retry: { maxAttempts: 2, baseDelayMs: 2, maxDelayMs: 20 },
  });
  const outcomes: Record<string, number> = {};
  events.on('ratings.upload', (e) => (outcomes[e.result] = (outcomes[e.result] ?? 0) + e.count));
  const service = new RatingSyncService({
    store,
    client,
    events,
    clock,
    log: silentLogger,
    config: { ratingBatchSize: 100, ratingMaxAttempts: 5, ratingSyncIntervalMinutes: 30 },
    enabled: true,
  });
  await service.init();
  env = {
    db,
    client,
    clock,
    service,
    outcomes,
    close: async () => {
      await service.stop();
      await client.close();
      await store.close();
      db.close();
      tmp.cleanup();
    },
  };
});
afterEach(async () => {
  await env.close();
});

async function addRatings(n: number): Promise<string[]> {
  const added = Array.from({ length: n }, (_, i) =>
    env.service.addLocalRating({ skill_id: skillIdOf(i % SKILLS), user_id: `local-user-${i % 7}`, rating: 1 + (i % 5), comment: `it ${i}` }),
  );
  return (await Promise.all(added)).map((r) => r.id);
}

/** syncNow until nothing is pending or dead-lettered (bounded); time jumps past any backoff. */
async function drain(maxPasses: number): Promise<number> {
  for (let pass = 1; pass <= maxPasses; pass++) {
    if (env.service.status().failed_count > 0) await env.service.retryAll();
    await env.service.syncNow();
    const s = env.service.status();
    if (s.pending_count === 0 && s.failed_count === 0) return pass;
    env.clock.offset += 60 * 60_000;
  }
  return -1;
}

/**
 * Waits until real time has passed every stamp the emulator gave a client write. Its stamps are
 * strictly increasing, so a burst of writes runs them ahead of real time (and reset() keeps the
 * lead); a local re-rating stamped inside that lead would rightly lose "newest wins".
 */
async function serverClockPassed(): Promise<void> {
  const newest = Math.max(0, ...emu.receivedRatings().items.map((i) => Date.parse(i.updated_at)));
  await waitFor(() => Date.now() > newest, 10_000, 5);
}

function receivedOnce(ids: readonly string[]): void {
  const report = emu.receivedRatings();
  expect(report.duplicates).toEqual([]);
  const counts = new Map<string, number>();
  for (const item of report.items) if (item.client_rating_id) counts.set(item.client_rating_id, (counts.get(item.client_rating_id) ?? 0) + 1);
  expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
  expect(report.total).toBe(ids.length);
}

describe('rating upload against the emulator', () => {
  it('delivers 1,000 ratings exactly once under 30% errors and connection resets', async () => {
    const ids = await addRatings(1_000);
    emu.setFaults({ http_error_rate: 0.3, reset_rate: 0.1, seed: 7 });
    const passes = await drain(20);
    expect(passes).toBeGreaterThan(0);
    receivedOnce(ids);
    // the faults did bite: whole requests failed, and resets after the remote stored a batch came back as duplicates
    console.log(`1,000 ratings under faults: ${passes} pass(es), outcomes ${JSON.stringify(env.outcomes)}`);
    expect(env.outcomes.failed ?? 0).toBeGreaterThan(0);
    expect((env.outcomes.accepted ?? 0) + (env.outcomes.duplicate ?? 0)).toBe(1_000);
    const states = env.db.prepare("SELECT sync_status, COUNT(*) AS n FROM skill_ratings WHERE origin = 'local' GROUP BY sync_status").all();
    expect(states).toEqual([{ sync_status: 'uploaded', n: 1_000 }]);
    expect(env.db.prepare("SELECT COUNT(*) FROM skill_ratings WHERE origin = 'local' AND remote_rating_id IS NULL").pluck().get()).toBe(0);
  }, 20_000);

  it('dead-letters ratings the remote refuses, then retry-all delivers them once the refusal ends', async () => {
    const refused = [skillIdOf(3), skillIdOf(4)];
    const ids = await addRatings(60);
    emu.setFaults({ reject_ratings_for: refused });
    await env.service.syncNow();
    const refusedIds = env.db
      .prepare(`SELECT id FROM skill_ratings WHERE origin = 'local' AND skill_id IN (?, ?)`)
      .pluck()
      .all(...refused) as string[];
    expect(refusedIds.length).toBeGreaterThan(0);
    const list = await env.service.failedUploads(100, 0);
    expect(list.total).toBe(refusedIds.length);
    expect(new Set(list.items.map((i) => i.rating_id))).toEqual(new Set(refusedIds));
    for (const item of list.items) {
      expect(item.error).toContain('not accepted');
      expect(item.next_retry_at).toBeNull();
    }
    expect(env.service.status()).toMatchObject({ pending_count: 0, failed_count: refusedIds.length });

    emu.setFaults({});
    expect(await env.service.retryAll()).toEqual({ accepted: true, queued: refusedIds.length });
    await waitFor(() => env.service.status().failed_count === 0 && env.service.status().status === 'idle', 10_000);
    expect(await env.service.failedUploads(100, 0)).toEqual({ items: [], total: 0 });
    receivedOnce(ids);
  }, 20_000);

  it('retries one dead letter on demand with the same id', async () => {
    const ids = await addRatings(5);
    emu.setFaults({ reject_ratings_for: [skillIdOf(0)] });
    await env.service.syncNow();
    const [item] = (await env.service.failedUploads(10, 0)).items;
    expect(item).toBeDefined();
    expect(await env.service.retry(item!.id)).toMatchObject({ result: 'failed', error: expect.stringContaining('not accepted') });
    emu.setFaults({});
    expect(await env.service.retry(item!.id)).toEqual({ id: item!.id, result: 'uploaded', error: null });
    receivedOnce(ids);
  });

  it('falls back to one request per rating on a remote without the batch extension', async () => {
    const ids = await addRatings(40);
    emu.setFaults({ unsupported_extensions: ['ratings_batch'] });
    await env.service.syncNow();
    expect(env.service.status()).toMatchObject({ pending_count: 0, uploaded_total: 40, failed_count: 0 });
    const report = emu.receivedRatings();
    expect(report.items).toHaveLength(40);
    expect(report.items.every((r) => r.via === 'single')).toBe(true);
    // the base API has no idempotency key: the remote's ids are matched to ours through the answers
    const remoteIds = new Set(report.items.map((r) => r.rating_id));
    const stored = env.db.prepare("SELECT remote_rating_id FROM skill_ratings WHERE origin = 'local'").pluck().all() as string[];
    expect(new Set(stored)).toEqual(remoteIds);
    expect(ids).toHaveLength(40);
  });

  it('keeps one rating per pair on the base API under lost replies, resets and errors, with re-ratings', async () => {
    const ids = await addRatings(300);
    // a third of them changed by the local Atom before anything was sent, more between passes
    const reRate = env.db.prepare('UPDATE skill_ratings SET rating = ?, comment = ? WHERE id = ?');
    ids.filter((_, i) => i % 3 === 0).forEach((id, n) => reRate.run(1 + (n % 5), `changed ${id}`, id));
    emu.setFaults({ unsupported_extensions: ['ratings_batch'], lost_reply_rate: 0.25, reset_rate: 0.1, http_error_rate: 0.1, seed: 4 });
    for (let pass = 0; pass < 6; pass++) {
      await env.service.syncNow();
      await serverClockPassed();
      ids.filter((_, i) => i % 10 === pass).forEach((id) => reRate.run(1 + ((pass + 2) % 5), `changed in pass ${pass} ${id}`, id));
      env.clock.offset += 60 * 60_000;
    }
    emu.setFaults({});
    expect(await drain(20)).toBeGreaterThan(0);

    const report = emu.receivedRatings();
    expect(report.duplicates).toEqual([]);
    const local = env.db.prepare("SELECT skill_id, user_id, rating, comment FROM skill_ratings WHERE origin = 'local'").all() as Array<{ skill_id: string; user_id: string; rating: number; comment: string }>;
    const remote = new Map(report.items.map((i) => [`${i.skill_id}|${i.user_id}`, i]));
    expect(remote.size).toBe(local.length);
    const wrong = local.filter((r) => {
      const there = remote.get(`${r.skill_id}|${r.user_id}`);
      return !there || there.rating !== r.rating || there.comment !== r.comment;
    });
    expect(wrong).toEqual([]);
    expect(report.requests.create).toBe(300);
    // replies were lost after the remote stored them; each was acknowledged (by 409, or through the
    // pair's id found in the download) without a second create
    expect(emu.stats().lost_replies).toBeGreaterThan(0);
    expect(env.service.status()).toMatchObject({ pending_count: 0, failed_count: 0 });
  }, 30_000);
});

describe('rating download against the emulator', () => {
  it('downloads other users\' ratings incrementally and never stores our own uploads twice', async () => {
    const skills = new SkillsRepo(env.db);
    for (const skill of emu.liveSkills()) skills.upsertRemote(skill, '2026-01-01T00:00:00.000Z');
    const mine = await addRatings(10);
    await env.service.syncNow();
    const seeded = env.db.prepare("SELECT COUNT(*) FROM skill_ratings WHERE origin = 'remote'").pluck().get() as number;
    expect(seeded).toBeGreaterThan(0);
    const cursor1 = env.db.prepare("SELECT cursor FROM sync_state WHERE stream = 'ratings'").pluck().get() as string;
    expect(cursor1).toBeTruthy();

    const added = emu.mutate({ ratings: 20, push: false });
    expect(added.ratings).toHaveLength(20);
    await env.service.syncNow();
    const remoteIds = env.db.prepare("SELECT remote_rating_id FROM skill_ratings WHERE origin = 'remote'").pluck().all() as string[];
    expect(remoteIds.length).toBe(seeded + 20);
    for (const id of added.ratings) expect(remoteIds).toContain(id);
    const cursor2 = env.db.prepare("SELECT cursor FROM sync_state WHERE stream = 'ratings'").pluck().get() as string;
    expect(Date.parse(cursor2)).toBeGreaterThan(Date.parse(cursor1));

    // our 10 uploads are in the remote's listing too, but stay local rows only
    const ownRemote = env.db.prepare("SELECT remote_rating_id FROM skill_ratings WHERE origin = 'local'").pluck().all() as string[];
    expect(ownRemote).toHaveLength(mine.length);
    expect(remoteIds.filter((id) => ownRemote.includes(id))).toEqual([]);
    expect(env.service.status()).toMatchObject({ last_error: null, pending_count: 0 });
  });

  it('skips the download on a remote without the ratings listing and still uploads', async () => {
    emu.setFaults({ unsupported_extensions: ['ratings_list'] });
    await addRatings(3);
    await env.service.syncNow();
    expect(env.service.status()).toMatchObject({ last_error: null, pending_count: 0, uploaded_total: 3 });
    expect(env.db.prepare("SELECT COUNT(*) FROM skill_ratings WHERE origin = 'remote'").pluck().get()).toBe(0);
  });
});
