/**
 * The whole engine on PostgreSQL (ATOM_DATABASE_URL), against the emulator over loopback, with
 * the local Atom app acting through its own session and plain SQL: the same guarantees as on
 * SQLite — the catalogue equals the remote's, deletions are swept, local edits become conflicts
 * and each resolution applies, local ratings reach the remote exactly once (lost replies, the
 * base API), and a restart on the same database neither loses nor re-sends anything.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { RemoteCategory } from '../../engine/contracts/remote.js';
import type { EmulatorFaults, EmulatorHandle } from '../../emulator/index.js';
import { startHarness, syncAndWait, type Harness } from '../support/harness.js';
import { postgresAvailable, usePostgres } from '../support/postgres.js';

interface SkillRow {
  skill_id: string;
  name: string;
  description: string | null;
  version: string | null;
  category: string | null;
  author: string | null;
  tags: string;
  payload: string;
  remote_updated_at: string | null;
  local_modified_at: string | null;
  base_payload: string | null;
}

/**
 * Our uploads move the remote's rating aggregates without a new skill updated_at: they arrive by
 * rating_update frames (no socket in these tests), not by a listing.
 */
const AGGREGATES = ['average_rating', 'rating_count'] as const;
const BASE_API: EmulatorFaults = { unsupported_extensions: ['updated_since', 'ratings_batch', 'ratings_list'] };

describe.runIf(postgresAvailable())('the whole engine on PostgreSQL', () => {
  const cluster = usePostgres();
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  }, 30_000);

  async function start(opts: { skills: number; categories?: number; seed?: number; env?: Record<string, string> }): Promise<Harness> {
    h = await startHarness({ ...opts, database: { postgresUrl: await cluster().freshDatabase() } });
    expect(h.database).toBe('postgres');
    return h;
  }

  const skillRows = async (harness: Harness) =>
    new Map((await harness.local.query<SkillRow>('SELECT * FROM community_skills WHERE deleted_at IS NULL')).map((r) => [r.skill_id, r]));
  const skillRow = async (harness: Harness, id: string) =>
    (await harness.local.query<SkillRow>('SELECT * FROM community_skills WHERE skill_id = $1', [id]))[0];
  const count = async (harness: Harness, sql: string, params: unknown[] = []) =>
    Number((await harness.local.query<{ n: string }>(sql, params))[0]!.n);

  async function remoteCategories(emulator: EmulatorHandle): Promise<RemoteCategory[]> {
    const res = await request(`${emulator.apiUrl}/skills/marketplace/categories`);
    expect(res.statusCode).toBe(200);
    return (await res.body.json()) as RemoteCategory[];
  }

  /** Every live remote skill is cached with the same content (columns and payload), and nothing else is. */
  async function expectCatalogueEqual(harness: Harness, ignore: readonly string[] = []): Promise<void> {
    const local = await skillRows(harness);
    const remote = [...harness.emulator.liveSkills()];
    const problems: string[] = [];
    for (const skill of remote) {
      const row = local.get(skill.skill_id);
      if (!row) {
        problems.push(`${skill.skill_id}: missing`);
        continue;
      }
      const columns = { name: row.name, description: row.description, version: row.version, category: row.category, author: row.author, remote_updated_at: row.remote_updated_at };
      const expected = {
        name: skill.name,
        description: skill.description ?? null,
        version: skill.version ?? null,
        category: skill.category ?? null,
        author: skill.author ?? null,
        remote_updated_at: skill.updated_at ?? null,
      };
      if (JSON.stringify(columns) !== JSON.stringify(expected)) problems.push(`${skill.skill_id}: columns ${JSON.stringify(columns)} != ${JSON.stringify(expected)}`);
      if (JSON.stringify(JSON.parse(row.tags)) !== JSON.stringify(skill.tags ?? [])) problems.push(`${skill.skill_id}: tags differ`);
      const differing = differingKeys(JSON.parse(row.payload) as Record<string, unknown>, skill, ignore);
      if (differing.length > 0) problems.push(`${skill.skill_id}: payload differs in ${differing.join(', ')}`);
      if (row.local_modified_at !== null) problems.push(`${skill.skill_id}: marked as locally modified`);
    }
    const live = new Set(remote.map((s) => s.skill_id));
    for (const id of local.keys()) if (!live.has(id)) problems.push(`${id}: cached but not on the remote`);
    expect(problems.slice(0, 10)).toEqual([]);
    expect(local.size).toBe(remote.length);

    const categories = await harness.local.query<{ name: string; slug: string; description: string; skill_count: string }>(
      'SELECT name, slug, description, skill_count FROM skill_categories ORDER BY name',
    );
    const expectedCategories = (await remoteCategories(harness.emulator))
      .map((c) => ({ name: c.name, slug: c.slug, description: c.description, skill_count: c.skill_count }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(categories.map((c) => ({ ...c, skill_count: Number(c.skill_count) }))).toEqual(expectedCategories);
  }

  /** Runs left open: none may stay 'running' once the engine is idle. */
  const openRuns = (harness: Harness) => count(harness, "SELECT COUNT(*) AS n FROM sync_runs WHERE result = 'running'");

  describe('catalogue', () => {
    it('a full sync and then an incremental one equal the remote, skills and categories, contents included', async () => {
      const t = await start({ skills: 400, categories: 12, seed: 21, env: { ATOM_SAAS_SYNC_BATCH_SIZE: '100' } });
      const first = await syncAndWait(t.engine, 'full');
      expect(first).toMatchObject({ result: 'success', mode: 'full', items: 400 });
      await expectCatalogueEqual(t);
      expect(t.engine.services.sync.status()).toMatchObject({ skills_cached: 400, categories_cached: 12, last_error: null });

      const changed = t.emulator.mutate({ update: 25, delete: 7, add: 9, categories: 3, push: false });
      const before = t.emulator.requestCount();
      const second = await syncAndWait(t.engine);
      expect(second).toMatchObject({ result: 'success', mode: 'incremental', items: 25 + 7 + 9 });
      // categories and one page of changes: nothing was listed in full
      expect(t.emulator.requestCount() - before).toBe(2);
      const local = await skillRows(t);
      for (const id of changed.deleted) expect(local.has(id), id).toBe(false);
      for (const id of changed.added) expect(local.has(id), id).toBe(true);
      await expectCatalogueEqual(t);
      expect(t.engine.services.sync.status().skills_cached).toBe(402);
      expect(await openRuns(t)).toBe(0);
    });

    it('sweeps skills the remote stopped listing when it cannot list changes (full listings only)', async () => {
      const t = await start({ skills: 300, seed: 22 });
      t.emulator.setFaults({ unsupported_extensions: ['updated_since'] });
      expect((await syncAndWait(t.engine)).result).toBe('success');
      const changed = t.emulator.mutate({ delete: 120, update: 10, add: 4, push: false });
      const run = await syncAndWait(t.engine);
      expect(run).toMatchObject({ result: 'success', mode: 'full' });
      const local = await skillRows(t);
      expect(changed.deleted.filter((id) => local.has(id))).toEqual([]);
      await expectCatalogueEqual(t);
      expect(t.engine.services.sync.status().skills_cached).toBe(184);
    });

    // `total` stays put, so only the deletions applied meanwhile reveal the shift.
    it('caches every live skill when deletions and additions shift the offset pages while they are read, the total unchanged', async () => {
      const t = await start({ skills: 1_000, seed: 23, env: { ATOM_SAAS_SYNC_BATCH_SIZE: '100' } });
      t.emulator.setFaults({ listing_churn: { delete: 1, add: 1 } });
      expect((await syncAndWait(t.engine, 'full')).result).toBe('success');
      t.emulator.setFaults({});
      expect((await syncAndWait(t.engine)).result).toBe('success');
      const local = await skillRows(t);
      expect([...t.emulator.liveSkills()].filter((s) => !local.has(s.skill_id)).map((s) => s.skill_id)).toEqual([]);
    });
  });

  describe('local edits through plain SQL', () => {
    it('the trigger marks them, the next remote change raises conflicts, and local_wins, remote_wins and merge each apply', async () => {
      const t = await start({ skills: 40, seed: 11 });
      expect((await syncAndWait(t.engine, 'full')).result).toBe('success');
      const [merge, local, remote, untouched] = ['skill-000001', 'skill-000002', 'skill-000003', 'skill-000005'];
      const pristine = await skillRow(t, local!);

      // The local Atom edits four skills with its own SQL: a description, the code inside the payload.
      expect(await t.local.run('UPDATE community_skills SET description = $1 WHERE skill_id = $2', ['merged description', merge])).toBe(1);
      expect(await t.local.run(`UPDATE community_skills SET payload = jsonb_set(payload::jsonb, '{code}', to_jsonb($1::text))::text WHERE skill_id = $2`, ['print("local")', local])).toBe(1);
      expect(await t.local.run('UPDATE community_skills SET description = $1 WHERE skill_id = $2', ['mine, then theirs', remote])).toBe(1);
      expect(await t.local.run('UPDATE community_skills SET description = $1 WHERE skill_id = $2', ['edited, never changed remotely', untouched])).toBe(1);
      for (const id of [merge, local, remote, untouched]) {
        const row = (await skillRow(t, id!))!;
        expect(row.local_modified_at, id).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        expect(row.base_payload, id).not.toBeNull();
      }
      expect(JSON.parse((await skillRow(t, local!))!.base_payload!)).toEqual(JSON.parse(pristine!.payload));

      // The remote changes three of them (description and version; the code of one as well).
      t.emulator.mutate({ update_ids: [merge!, remote!], push: false });
      t.emulator.mutate({ update_ids: [local!], set: { code: 'print("remote")' }, push: false });
      expect((await syncAndWait(t.engine)).result).toBe('success');

      const open = await t.engine.services.conflicts.list({ status: 'unresolved', limit: 50, offset: 0 });
      const byId = new Map(open.items.map((c) => [c.entity_id, c]));
      expect([...byId.keys()].sort()).toEqual([merge, local, remote].sort());
      expect(byId.get(local!)).toMatchObject({ conflict_type: 'both_modified', severity: 'critical', clashing_fields: ['code'] });
      expect(byId.get(merge!)).toMatchObject({ conflict_type: 'both_modified', clashing_fields: ['description'] });
      expect(byId.get(remote!)).toMatchObject({ conflict_type: 'both_modified', clashing_fields: ['description'] });
      // Nothing local was overwritten meanwhile.
      expect((await skillRow(t, merge!))!.description).toBe('merged description');
      expect(JSON.parse((await skillRow(t, local!))!.payload).code).toBe('print("local")');
      expect((await skillRow(t, untouched!))!.description).toBe('edited, never changed remotely');
      expect(t.engine.services.conflicts.counts().unresolved).toBe(3);
      const remoteOf = (id: string) => [...t.emulator.liveSkills()].find((s) => s.skill_id === id)!;

      // merge: the clash needs a choice; with it, the local description and the remote version.
      await expect(t.engine.services.conflicts.resolve(byId.get(merge!)!.id, 'merge', {}, 'test')).rejects.toMatchObject({ code: 'merge_not_possible' });
      const merged = await t.engine.services.conflicts.resolve(byId.get(merge!)!.id, 'merge', { fields: { description: 'local' } }, 'test');
      expect(merged.status).toBe('resolved');
      const mergedRow = (await skillRow(t, merge!))!;
      expect(mergedRow).toMatchObject({ description: 'merged description', version: remoteOf(merge!).version });
      expect(mergedRow.local_modified_at).not.toBeNull();

      // local_wins: the local code stays; what only the remote changed applies.
      await t.engine.services.conflicts.resolve(byId.get(local!)!.id, 'local_wins', {}, 'test');
      const keptRow = (await skillRow(t, local!))!;
      expect(JSON.parse(keptRow.payload).code).toBe('print("local")');
      expect(keptRow).toMatchObject({ description: remoteOf(local!).description, version: remoteOf(local!).version });

      // remote_wins: the remote's version, and the row no longer marked as local.
      await t.engine.services.conflicts.resolve(byId.get(remote!)!.id, 'remote_wins', {}, 'test');
      const replaced = (await skillRow(t, remote!))!;
      expect(replaced).toMatchObject({ description: remoteOf(remote!).description, version: remoteOf(remote!).version, local_modified_at: null });
      await expect(t.engine.services.conflicts.resolve(byId.get(remote!)!.id, 'local_wins', {}, 'test')).rejects.toMatchObject({ code: 'already_resolved' });

      expect(t.engine.services.conflicts.counts().unresolved).toBe(0);
      expect(await count(t, "SELECT COUNT(*) AS n FROM sync_conflicts WHERE status = 'resolved' AND resolved_by = 'test'")).toBe(3);
      // The next full listing brings the same remote versions: nothing is raised again, nothing reverted.
      expect((await syncAndWait(t.engine, 'full')).result).toBe('success');
      expect(t.engine.services.conflicts.counts().unresolved).toBe(0);
      expect(JSON.parse((await skillRow(t, local!))!.payload).code).toBe('print("local")');
      expect((await skillRow(t, merge!))!.description).toBe('merged description');
      expect((await skillRow(t, untouched!))!.description).toBe('edited, never changed remotely');
    });
  });

  describe('local ratings', () => {
    /** The local Atom's INSERT, as it writes a rating (it knows nothing of the engine). */
    async function atomRates(t: Harness, skillId: string, userId: string, rating: number, comment: string): Promise<string> {
      const id = randomUUID();
      const now = new Date().toISOString();
      await t.local.run(
        `INSERT INTO skill_ratings (id, skill_id, user_id, rating, comment, origin, sync_status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'local', 'pending', $6, $6)`,
        [id, skillId, userId, rating, comment, now],
      );
      return id;
    }

    /** Half by SQL, half through the engine's service; each by a user of its own on its own skill. */
    async function rateMany(t: Harness, n: number, tag: string): Promise<Array<{ id: string; skill_id: string; user_id: string; rating: number; comment: string }>> {
      const skills = [...t.emulator.liveSkills()].slice(0, n);
      const made = [];
      for (const [i, skill] of skills.entries()) {
        const user_id = `${tag}-user-${i}`;
        const rating = 1 + (i % 5);
        const comment = `${tag} rating ${i}`;
        const id =
          i % 2 === 0
            ? await atomRates(t, skill.skill_id, user_id, rating, comment)
            : (await t.engine.services.ratings.addLocalRating({ skill_id: skill.skill_id, user_id, rating, comment })).id;
        made.push({ id, skill_id: skill.skill_id, user_id, rating, comment });
      }
      return made;
    }

    const unsent = (t: Harness) => count(t, "SELECT COUNT(*) AS n FROM skill_ratings WHERE origin = 'local' AND sync_status <> 'uploaded'");

    /** syncNow until every local rating is uploaded (bounded); dead letters are retried. */
    async function drain(t: Harness, passes: number): Promise<number> {
      for (let pass = 1; pass <= passes; pass++) {
        if (t.engine.services.ratings.status().failed_count > 0) await t.engine.services.ratings.retryAll();
        await t.engine.services.ratings.syncNow();
        if ((await unsent(t)) === 0) return pass;
      }
      return -1;
    }

    /** One remote rating per pair, with our values; nothing stored twice. */
    function expectOnRemoteOnce(emulator: EmulatorHandle, made: ReadonlyArray<{ skill_id: string; user_id: string; rating: number; comment: string }>): void {
      const report = emulator.receivedRatings();
      expect(report.duplicates).toEqual([]);
      const problems: string[] = [];
      for (const m of made) {
        const there = report.items.filter((i) => i.skill_id === m.skill_id && i.user_id === m.user_id);
        if (there.length !== 1) problems.push(`${m.skill_id}/${m.user_id}: ${there.length} on the remote`);
        else if (there[0]!.rating !== m.rating || there[0]!.comment !== m.comment) problems.push(`${m.skill_id}/${m.user_id}: other values`);
      }
      expect(problems.slice(0, 10)).toEqual([]);
      expect(report.total).toBe(made.length);
    }

    it('uploads each exactly once under lost replies (batch), and a restart on the same database re-sends and loses nothing', async () => {
      const t = await start({ skills: 80, seed: 31, env: { ATOM_SAAS_RATING_BATCH_SIZE: '5' } });
      expect((await syncAndWait(t.engine, 'full')).result).toBe('success');
      const made = await rateMany(t, 60, 'batch');
      expect(await unsent(t)).toBe(60);
      t.emulator.setFaults({ lost_reply_rate: 0.3, seed: 5 });
      const passes = await drain(t, 15);
      expect(passes).toBeGreaterThan(0);
      t.emulator.setFaults({});
      // Replies were lost after the remote stored a batch; sent again under the same ids, they were acknowledged as duplicates.
      expect(t.emulator.stats().lost_replies).toBeGreaterThan(1);
      expect(t.emulator.receivedRatings().requests.duplicate).toBeGreaterThan(0);
      expectOnRemoteOnce(t.emulator, made);
      // Batch uploads carry our id: each one is held by exactly one remote rating.
      const byClientId = new Map(t.emulator.receivedRatings().items.map((i) => [i.client_rating_id, i]));
      expect(made.filter((m) => !byClientId.has(m.id)).map((m) => m.id)).toEqual([]);
      const stored = await t.local.query<{ id: string; remote_rating_id: string | null }>("SELECT id, remote_rating_id FROM skill_ratings WHERE origin = 'local'");
      expect(stored.filter((r) => r.remote_rating_id !== byClientId.get(r.id)?.rating_id)).toEqual([]);
      console.log(`PostgreSQL ratings, batch with lost replies: ${made.length} in ${passes} pass(es), ${t.emulator.stats().lost_replies} lost replies`);

      // Restart on the same database: nothing pending, nothing sent again, the catalogue intact.
      const requestsBefore = { ...t.emulator.receivedRatings().requests };
      await t.restartEngine();
      expect(t.engine.services.ratings.status()).toMatchObject({ pending_count: 0, failed_count: 0 });
      await t.engine.services.ratings.syncNow();
      expect(t.emulator.receivedRatings().requests).toEqual(requestsBefore);
      expectOnRemoteOnce(t.emulator, made);
      expect(await unsent(t)).toBe(0);
      expect((await syncAndWait(t.engine)).result).toBe('success');
      await expectCatalogueEqual(t, AGGREGATES);
      expect(await openRuns(t)).toBe(0);

      // A re-rating by SQL after the restart goes as an update of the same remote rating.
      const first = made[0]!;
      await t.local.run('UPDATE skill_ratings SET rating = $1, comment = $2 WHERE id = $3', [5, 'changed my mind', first.id]);
      expect((await t.local.query('SELECT sync_status FROM skill_ratings WHERE id = $1', [first.id]))[0]).toEqual({ sync_status: 'pending' });
      await t.engine.services.ratings.syncNow();
      const after = t.emulator.receivedRatings().items.filter((i) => i.skill_id === first.skill_id && i.user_id === first.user_id);
      expect(after).toEqual([expect.objectContaining({ rating: 5, comment: 'changed my mind' })]);
      expect(t.emulator.receivedRatings().total).toBe(made.length);
      expect(await unsent(t)).toBe(0);
    }, 45_000);

    it('on the base API (no extensions) with lost replies: one rating per pair, no create sent twice', async () => {
      const t = await start({ skills: 60, seed: 32 });
      t.emulator.setFaults(BASE_API);
      expect((await syncAndWait(t.engine)).result).toBe('success');
      const made = await rateMany(t, 40, 'base');
      t.emulator.setFaults({ ...BASE_API, lost_reply_rate: 0.35, seed: 9 });
      const passes = await drain(t, 15);
      expect(passes).toBeGreaterThan(0);
      t.emulator.setFaults(BASE_API);
      expect(t.emulator.stats().lost_replies).toBeGreaterThan(0);
      expectOnRemoteOnce(t.emulator, made);
      const report = t.emulator.receivedRatings();
      expect(report.items.every((i) => i.via === 'single')).toBe(true);
      // a create whose reply was lost is acknowledged by the 409 of the next one, never sent blind again
      expect(report.requests.create).toBe(made.length);
      console.log(`PostgreSQL ratings, base API with lost replies: ${made.length} in ${passes} pass(es), requests ${JSON.stringify(report.requests)}`);

      const requestsBefore = { ...report.requests };
      await t.restartEngine();
      await t.engine.services.ratings.syncNow();
      expect(t.emulator.receivedRatings().requests).toEqual(requestsBefore);
      expectOnRemoteOnce(t.emulator, made);
      expect((await syncAndWait(t.engine)).result).toBe('success');
      await expectCatalogueEqual(t, AGGREGATES);
    }, 45_000);
  });
});

/** Top-level keys whose JSON values differ, key order aside (undefined fields are absent in JSON). */
function differingKeys(a: Record<string, unknown>, b: object, ignore: readonly string[]): string[] {
  const other = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(other)].filter((k) => !ignore.includes(k)));
  return [...keys].filter((k) => JSON.stringify(canonical(a[k])) !== JSON.stringify(canonical(other[k]))).sort();
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([x], [y]) => (x < y ? -1 : 1))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}
