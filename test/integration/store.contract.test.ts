/**
 * One contract for both stores: the same scripts run through the real store worker and the
 * EngineStore client (openStore), as the engine drives them, on a SQLite file and on PostgreSQL.
 * Each backend must give the expected answers, and both must end with the same rows in every
 * table and the same transcript of answers and events (wall-clock stamps masked).
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { systemClock } from '../../engine/clock.js';
import type { RemoteCategory, RemoteRating, RemoteSkill } from '../../engine/contracts/remote.js';
import { RemoteError } from '../../engine/errors.js';
import { EngineEvents } from '../../engine/events.js';
import { silentLogger } from '../../engine/log/index.js';
import { RatingSyncService } from '../../engine/ratings/ratingSyncService.js';
import { createMarketplaceClient } from '../../engine/remote/marketplaceClient.js';
import type { RatingPage, RatingPageQuery } from '../../engine/remote/types.js';
import { translateSql } from '../../engine/store/pg/pgSql.js';
import { createStamper } from '../../engine/store/stamp.js';
import { openStore, type EngineStore, type StoreDatabase } from '../../engine/storeHost/openStore.js';
import { CatalogueSyncService } from '../../engine/sync/catalogueSync.js';
import { ManualClock } from '../support/manualClock.js';
import { postgresAvailable, usePostgres } from '../support/postgres.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';
import { lineLogger, ScriptedClient } from '../support/scriptedRatingService.js';

type Row = Record<string, unknown>;
type Kind = 'sqlite' | 'postgres';

const KINDS: Kind[] = postgresAvailable() ? ['sqlite', 'postgres'] : ['sqlite'];
const TABLES: Record<string, string> = {
  community_skills: 'skill_id',
  skill_categories: 'name',
  sync_state: 'stream',
  sync_runs: 'id',
  skill_ratings: 'id',
  failed_rating_uploads: 'id',
  sync_conflicts: 'id',
  skill_tombstones: 'skill_id',
  sync_item_errors: 'stream, item_id',
};

/** What each script left behind, per backend: compared at the end. */
const results = new Map<string, { dump: Record<string, Row[]>; transcript: unknown[] }>();

const cluster = KINDS.includes('postgres') ? usePostgres() : null;
const tmp = tempDir('atom-contract-');
afterAll(() => tmp.cleanup());

interface Backend {
  kind: Kind;
  store: EngineStore;
  events: Array<{ name: string; payload: unknown }>;
  /** The local Atom's own connection: `?` placeholders, as the repositories write them. */
  sql(text: string, ...params: unknown[]): Promise<Row[]>;
  dump(): Promise<Record<string, Row[]>>;
  close(): Promise<void>;
}

let files = 0;
async function openBackend(kind: Kind): Promise<Backend> {
  const bus = new EngineEvents();
  const events: Backend['events'] = [];
  bus.onAny((name, payload) => events.push({ name, payload }));
  let database: StoreDatabase;
  let sql: Backend['sql'];
  let closeSide: () => Promise<void>;
  if (kind === 'sqlite') {
    const file = tmp.file(`store-${++files}.db`);
    database = { kind: 'sqlite', file };
    const store = await openStore({ database, events: bus, log: silentLogger });
    const side = new Database(file, { timeout: 5_000 });
    sql = async (text, ...params) => {
      const statement = side.prepare(text);
      if (statement.reader) return statement.all(...params) as Row[];
      statement.run(...params);
      return [];
    };
    closeSide = async () => void side.close();
    return backend(kind, store, events, sql, closeSide);
  }
  const url = await cluster!().freshDatabase();
  database = { kind: 'postgres', url };
  const store = await openStore({ database, events: bus, log: silentLogger });
  const side = new pg.Client({ connectionString: url });
  side.setTypeParser(20, Number);
  side.setTypeParser(1700, Number);
  side.on('error', () => {});
  await side.connect();
  sql = async (text, ...params) => (await side.query(translateSql(text).text, params)).rows as Row[];
  closeSide = () => side.end();
  return backend(kind, store, events, sql, closeSide);
}

function backend(kind: Kind, store: EngineStore, events: Backend['events'], sql: Backend['sql'], closeSide: () => Promise<void>): Backend {
  return {
    kind,
    store,
    events,
    sql,
    async dump() {
      const out: Record<string, Row[]> = {};
      for (const [table, key] of Object.entries(TABLES)) out[table] = await sql(`SELECT * FROM ${table} ORDER BY ${key}`);
      return out;
    },
    async close() {
      await store.close();
      await closeSide();
    },
  };
}

let open: Backend | null = null;
afterEach(async () => {
  await open?.close();
  open = null;
});
async function start(kind: Kind): Promise<Backend> {
  open = await openBackend(kind);
  return open;
}

/** The scripts' own times are in 2020; anything else is a wall-clock stamp (the triggers', a resolution's). */
const WALL = /\b(?!2020-)\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?Z/g;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;

/** Masks wall-clock stamps and names random ids by their order (`ids`), whatever the depth. */
function normalize(value: unknown, ids: readonly string[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(WALL, '<wall>').replace(UUID, (id) => (ids.includes(id) ? `<id ${ids.indexOf(id) + 1}>` : '<id ?>'));
  }
  if (Array.isArray(value)) return value.map((v) => normalize(v, ids));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v, ids)]));
  return value;
}

function record(script: string, kind: Kind, dump: Record<string, Row[]>, transcript: unknown[], ids: readonly string[] = []) {
  const normalized = normalize(dump, ids) as Record<string, Row[]>;
  // Random ids sort differently; their order-of-creation names sort the same.
  normalized.skill_ratings = [...normalized.skill_ratings!].sort((a, b) => String(a.id).localeCompare(String(b.id)));
  results.set(`${script} ${kind}`, { dump: normalized, transcript: normalize(transcript, ids) as unknown[] });
}

// ---------------------------------------------------------------- catalogue and conflicts

const T = (minutes: number, ms = 0) => new Date(Date.UTC(2020, 0, 1) + minutes * 60_000 + ms).toISOString();
const skill = (n: number, over: Partial<RemoteSkill> = {}): RemoteSkill => ({
  skill_id: `s${String(n).padStart(2, '0')}`,
  name: `Skill ${n}`,
  description: `remote ${n}`,
  version: '1.0.0',
  category: 'Data',
  author: 'atom',
  tags: ['t', `t${n}`],
  updated_at: T(0),
  ...over,
});
const category = (name: string): RemoteCategory => ({ name, slug: name.toLowerCase(), description: `${name} skills`, skill_count: 1 });
const page = (skills: RemoteSkill[], extra: Partial<{ tombstones: Array<{ skill_id: string; deleted: true; updated_at: string }>; invalid: Array<{ skillId: string | null; reason: string }> }> = {}) => ({
  skills,
  tombstones: extra.tombstones ?? [],
  invalid: extra.invalid ?? [],
  payloads: skills.map((s) => JSON.stringify(s)),
});

/** What a backend answered, step by step, to compare the two backends with. */
function recorder() {
  const say: unknown[] = [];
  const note = <T>(label: string, value: T): T => {
    say.push([label, value]);
    return value;
  };
  return { say, note };
}

describe.each(KINDS)('the store contract on %s', (kind) => {
  it('lists, sweeps, records invalid items and runs, turns local edits into conflicts and resolves them', async () => {
    const b = await start(kind);
    const { store } = b;
    const { say, note } = recorder();

    expect(note('abandoned', await store.write.runs.closeAbandoned(T(0)))).toBe(0);
    expect(await store.read.meta.schemaVersion()).toBe(6);

    // A full listing in two pages, each with the resume point it allows.
    const run1 = note('run1', await store.write.catalogue.startRun('full', T(1)));
    expect(run1).toBe(1);
    await store.write.catalogue.replaceCategories([category('Data'), category('Dev'), category('Ops')], T(1, 1), T(1));
    const first = note('page1', await store.write.catalogue.applyPage(page([1, 2, 3, 4, 5].map((n) => skill(n))), { resume: '{"page":1}', items: 5 }, T(1, 2), T(1)));
    expect(first).toEqual({ tally: expect.objectContaining({ inserted: 5 }), invalidUncached: 0 });
    expect((await store.read.catalogue.facts()).resume).toBe('{"page":1}');
    const second = note(
      'page2',
      await store.write.catalogue.applyPage(
        page([6, 7, 8].map((n) => skill(n)), { invalid: [{ skillId: 's09', reason: 'name missing' }, { skillId: null, reason: 'not an object' }] }),
        { resume: '{"page":2}', items: 8 },
        T(1, 3),
        T(1),
      ),
    );
    expect(second).toEqual({ tally: expect.objectContaining({ inserted: 3, skipped: 2 }), invalidUncached: 2 });
    expect(note('sweep1', await store.read.skills.scanNotSeenSince(T(1, 2), '', 100))).toEqual({ ids: [], lastId: 's08' });
    expect(await store.read.skills.countSeenSince(T(1, 2))).toBe(8);
    await store.write.catalogue.endRun(run1, { now: T(2), result: 'success', items: 8, durationMs: 1234.4, cursor: T(0) });
    expect(note('facts1', await store.read.catalogue.facts())).toEqual({
      last_sync: T(2),
      last_error: null,
      cursor: T(0),
      resume: null,
      consecutive_failures: 0,
      invalid_items: 1,
      skills: 8,
      categories: 3,
      last_full_success: T(2),
    });

    // The categories are replaced whole.
    await store.write.catalogue.replaceCategories([category('Data'), category('Ops'), category('New')], T(2, 1), T(2));
    expect((await b.sql('SELECT name FROM skill_categories ORDER BY name')).map((r) => r.name)).toEqual(['Data', 'New', 'Ops']);

    // An incremental run: an update, a remote deletion, the invalid item now valid, an unchanged one, and a tombstone ahead of its skill.
    const run2 = await store.write.catalogue.startRun('incremental', T(3));
    const changes = note(
      'page3',
      await store.write.catalogue.applyPage(
        page([skill(2, { description: 'remote 2 v2', version: '1.1.0', updated_at: T(3) }), skill(9, { updated_at: T(3) }), skill(4)], {
          tombstones: [
            { skill_id: 's03', deleted: true, updated_at: T(3) },
            { skill_id: 's50', deleted: true, updated_at: T(3) },
          ],
        }),
        { cursor: T(3) },
        T(3, 1),
        T(3),
      ),
    );
    expect(changes.tally).toMatchObject({ updated: 1, inserted: 1, unchanged: 1, deleted: 1 });
    expect(note('stale', await store.write.catalogue.applyPage(page([skill(50, { updated_at: T(2) })]), null, T(3, 2), T(3)))).toMatchObject({ tally: { stale: 1 } });
    await store.write.catalogue.endRun(run2, { now: T(4), result: 'success', items: 3, durationMs: 10, cursor: T(3) });
    expect(await store.read.itemErrors.count('skills')).toBe(0);

    // A failed run counts; the next success resets it.
    const run3 = await store.write.catalogue.startRun('incremental', T(4, 1));
    await store.write.catalogue.endRun(run3, { now: T(4, 2), result: 'failure', items: 0, durationMs: 5, error: 'HTTP 503', errorKind: 'unavailable' });
    expect(await store.read.catalogue.facts()).toMatchObject({ consecutive_failures: 1, last_error: 'HTTP 503', cursor: T(3) });

    // The local Atom edits four rows with its own SQL; the trigger marks them.
    await b.sql("UPDATE community_skills SET description = 'edited locally' WHERE skill_id = 's01'");
    await b.sql("UPDATE community_skills SET description = 'mine too' WHERE skill_id = 's05'");
    await b.sql("UPDATE community_skills SET description = 'kept locally' WHERE skill_id = 's06'");
    await b.sql("UPDATE community_skills SET author = 'local author' WHERE skill_id = 's07'");
    const marked = await b.sql('SELECT skill_id, base_payload FROM community_skills WHERE local_modified_at IS NOT NULL ORDER BY skill_id');
    expect(marked.map((r) => r.skill_id)).toEqual(['s01', 's05', 's06', 's07']);
    expect(JSON.parse(String(marked[0]!.base_payload))).toMatchObject({ description: 'remote 1' });

    // The next page meets them: clashes become conflicts inside its transaction, a clean change merges.
    const before = b.events.length;
    const run4 = await store.write.catalogue.startRun('incremental', T(5));
    const clashes = note(
      'page4',
      await store.write.catalogue.applyPage(
        page(
          [
            skill(1, { description: 'remote 1 v2', version: '1.0.1', updated_at: T(5) }),
            skill(6, { description: 'remote 6 v2', updated_at: T(5) }),
            skill(7, { version: '1.2.0', updated_at: T(5) }),
          ],
          { tombstones: [{ skill_id: 's05', deleted: true, updated_at: T(5) }] },
        ),
        { cursor: T(5) },
        T(5, 1),
        T(5),
      ),
    );
    expect(clashes.tally).toMatchObject({ conflicts: 3, merged: 1 });
    await store.write.catalogue.endRun(run4, { now: T(6), result: 'success', items: 4, durationMs: 20, cursor: T(5) });
    expect(b.events.slice(before).filter((e) => e.name === 'conflict.detected').map((e) => (e.payload as { entity_id: string }).entity_id)).toEqual(['s01', 's06', 's05']);
    expect(note('counts', await store.read.conflicts.counts())).toMatchObject({ unresolved: 3 });
    const list = note('list', await store.read.conflicts.list({ status: 'unresolved', limit: 10, offset: 0 }));
    expect(list.total).toBe(3);
    const idOf = (skillId: string) => list.items.find((c) => c.entity_id === skillId)!.id;
    expect(list.items.find((c) => c.entity_id === 's05')!.conflict_type).toBe('deleted_remotely');
    expect(note('page of one', (await store.read.conflicts.list({ status: 'all', limit: 1, offset: 1 })).items.map((c) => c.entity_id))).toHaveLength(1);
    expect(await store.read.skills.get('s07')).toMatchObject({ author: 'local author', version: '1.2.0' });

    // Resolutions: merge with a choice, local_wins, remote_wins on a deletion; a second one is refused.
    note('merge', await store.write.conflicts.resolve(idOf('s01'), 'merge', { fields: { description: 'local' } }, 'tester'));
    note('local_wins', await store.write.conflicts.resolve(idOf('s06'), 'local_wins', {}, 'tester'));
    note('remote_wins', await store.write.conflicts.resolve(idOf('s05'), 'remote_wins', {}, 'tester'));
    const again = await store.write.conflicts.resolve(idOf('s06'), 'remote_wins', {}, 'tester').catch((e: unknown) => e);
    expect(note('again', again)).toMatchObject({ name: 'EngineError', code: 'already_resolved', status: 409 });
    expect(note('bulk', await store.write.conflicts.bulkResolve(null, 'local_wins', 'bulk'))).toEqual({ resolved: 0, failed: [] });
    expect(await store.read.skills.get('s05')).toBeUndefined();
    expect(await store.read.skills.get('s01')).toMatchObject({ description: 'edited locally', version: '1.0.1' });
    expect(await store.read.skills.get('s06')).toMatchObject({ description: 'kept locally' });
    expect(await store.read.conflicts.counts()).toMatchObject({ unresolved: 0 });

    // A full listing that no longer lists s08: the sweep finds it unseen, a lookup proves it gone.
    const run5 = await store.write.catalogue.startRun('full', T(7));
    const cutoff = T(7, 1);
    const listed = [skill(1, { description: 'remote 1 v2', version: '1.0.1', updated_at: T(5) }), skill(2, { description: 'remote 2 v2', version: '1.1.0', updated_at: T(3) }), skill(4), skill(6, { description: 'remote 6 v2', updated_at: T(5) }), skill(7, { version: '1.2.0', updated_at: T(5) }), skill(9, { updated_at: T(3) })];
    note('page5', await store.write.catalogue.applyPage(page(listed), { resume: '{"page":1}', items: listed.length }, T(7, 2), T(7)));
    const unseen = note('sweep2', await store.read.skills.scanNotSeenSince(cutoff, '', 2));
    expect(unseen).toEqual({ ids: [], lastId: 's02' });
    const rest = note('sweep3', await store.read.skills.scanNotSeenSince(cutoff, 's02', 100));
    expect(rest).toEqual({ ids: ['s08'], lastId: 's09' });
    expect(note('lookup', await store.write.catalogue.applyLookups([{ id: 's08', lookup: { kind: 'missing' } }], T(7, 3)))).toMatchObject({ deleted: 1 });
    expect(note('prune', await store.write.tombstones.prune(T(4)))).toBe(2);
    await store.write.catalogue.endRun(run5, { now: T(8), result: 'success', items: 1, durationMs: 30, cursor: T(5) });
    await store.write.runs.setMode(run5, 'full');
    await store.write.runs.prune(3);

    expect(note('runs', (await store.read.runs.recent(10)).map((r) => [r.id, r.mode, r.result, r.items, r.error_kind, r.duration_ms]))).toEqual([
      [5, 'full', 'success', 1, null, 30],
      [4, 'incremental', 'success', 4, null, 20],
      [3, 'incremental', 'failure', 0, 'unavailable', 5],
    ]);
    expect(note('facts2', await store.read.catalogue.facts())).toEqual({
      last_sync: T(8),
      last_error: null,
      cursor: T(5),
      resume: null,
      consecutive_failures: 0,
      invalid_items: 0,
      skills: 6,
      categories: 3,
      last_full_success: T(8),
    });
    note('state', await store.read.state.all());
    note('events', b.events.map((e) => e.name));
    record('catalogue', kind, await b.dump(), say);
  });

  // ---------------------------------------------------------------- ratings

  it('uploads ratings with every outcome, retries and dead-letters them, supersedes by instant and downloads others', async () => {
    const b = await start(kind);
    const { store } = b;
    const { say, note } = recorder();
    await store.write.catalogue.applyPage(
      page([skill(1), skill(2), skill(3, { average_rating: 4.5, rating_count: 10 }), skill(4)]),
      null,
      T(0, 1),
      T(0),
    );
    const clock = new ManualClock(Date.parse('2020-06-01T00:00:00.000Z'));
    const client = new ScriptedClient();
    const logs: string[] = [];
    const bus = new EngineEvents();
    // Events per batch follow the batches, which follow the random ids: what is compared is which
    // kinds were raised, and how many ratings each upload result counted in all.
    const seen = new Set<string>();
    const uploads: Record<string, number> = {};
    bus.onAny((name) => seen.add(name));
    bus.on('ratings.upload', (e) => (uploads[e.result] = (uploads[e.result] ?? 0) + e.count));
    const service = new RatingSyncService({
      store,
      client,
      events: bus,
      clock,
      log: lineLogger(logs),
      config: { ratingBatchSize: 3, ratingMaxAttempts: 2, ratingSyncIntervalMinutes: 30 },
      enabled: true,
      initialDelayMs: 1_000,
    });
    await service.init();
    try {
      const ids: string[] = [];
      const add = async (skillId: string, user: string, rating: number, comment: string | null = null) => {
        const { id } = await service.addLocalRating({ skill_id: skillId, user_id: user, rating, comment });
        ids.push(id);
        clock.advance(1_000);
        return id;
      };
      const r1 = await add('s01', 'u1', 5, 'great');
      const r2 = await add('s01', 'u2', 4);
      const r3 = await add('s02', 'u3', 1, 'bad');
      await add('s02', 'u4', 3);
      await add('s04', 'u5', 2);
      expect(service.status()).toMatchObject({ pending_count: 5, uploaded_total: 0, failed_count: 0 });

      // accepted, duplicate, rejected (dead letter at once), in batches of three
      client.onBatch = (items) =>
        items.map((i) =>
          i.client_rating_id === r3
            ? { client_rating_id: r3, status: 'rejected', error: 'ratings for s02 are not accepted' }
            : { client_rating_id: i.client_rating_id, status: i.client_rating_id === r2 ? 'duplicate' : 'accepted', rating_id: `remote-${ids.indexOf(i.client_rating_id) + 1}` },
        );
      await service.syncNow();
      // Batches go in id order, and local ids are random: which batch a rating is in is not compared.
      note('batches1', client.batches.flat().map((i) => ids.indexOf(i.client_rating_id) + 1).sort());
      expect(client.batches.map((batch) => batch.length)).toEqual([3, 2]);
      expect(note('status1', service.status())).toMatchObject({ pending_count: 0, uploaded_total: 4, failed_count: 1 });

      // A transient failure keeps a rating pending with backoff; the second one dead-letters it (max attempts 2).
      const r6 = await add('s04', 'u6', 4, 'later');
      client.onBatch = () => {
        throw new RemoteError('unavailable', 'HTTP 503');
      };
      await service.syncNow();
      expect(note('r6 after 1', (await b.sql('SELECT sync_status, upload_attempts, last_upload_error, next_attempt_at FROM skill_ratings WHERE id = ?', r6))[0])).toEqual({
        sync_status: 'pending',
        upload_attempts: 1,
        last_upload_error: 'HTTP 503',
        next_attempt_at: new Date(clock.now() + 30_000).toISOString(),
      });
      clock.advance(60_000);
      await service.syncNow();
      expect(note('failed', await service.failedUploads(10, 0))).toMatchObject({ total: 2 });

      // A manual retry still refused, then everything retried and accepted.
      const dead = (await b.sql('SELECT id FROM failed_rating_uploads WHERE rating_id = ?', r3))[0]!.id as number;
      client.onBatch = (items) => items.map((i) => (i.client_rating_id === r3 ? { client_rating_id: r3, status: 'rejected', error: 'still no' } : { client_rating_id: i.client_rating_id, status: 'accepted', rating_id: `remote-${ids.indexOf(i.client_rating_id) + 1}` }));
      expect(note('retry refused', await service.retry(dead))).toEqual({ id: dead, result: 'failed', error: 'still no' });
      client.onBatch = (items) => items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'accepted', rating_id: `remote-${ids.indexOf(i.client_rating_id) + 1}` }));
      expect(note('retry all', await service.retryAll())).toEqual({ accepted: true, queued: 2 });
      await waitFor(() => service.status().failed_count === 0 && service.status().status === 'idle', 10_000);
      expect(note('status2', service.status())).toMatchObject({ pending_count: 0, failed_count: 0, uploaded_total: 6 });

      // Two unsent rows of one pair written by the local Atom with mixed-precision stamps: the newer
      // by instant (…00.500Z, which sorts first as text) is sent, the other superseded by it.
      await b.sql(
        `INSERT INTO skill_ratings (id, skill_id, user_id, rating, comment, origin, sync_status, created_at, updated_at)
         VALUES (?, 's04', 'u9', 2, NULL, 'local', 'pending', '2020-06-01T00:00:00Z', '2020-06-01T00:00:00Z')`,
        'pair-old',
      );
      await b.sql(
        `INSERT INTO skill_ratings (id, skill_id, user_id, rating, comment, origin, sync_status, created_at, updated_at)
         VALUES (?, 's04', 'u9', 5, 'newer', 'local', 'pending', '2020-06-01T00:00:00Z', '2020-06-01T00:00:00.500Z')`,
        'pair-new',
      );
      // The local Atom re-rates r1: the trigger makes it pending again, and it goes as an update.
      await b.sql('UPDATE skill_ratings SET rating = 3 WHERE id = ?', r1);
      client.batches = [];
      await service.syncNow();
      note('batches2', client.batches.map((batch) => batch.map((i) => i.client_rating_id)));
      note('updates', client.updates.map((u) => ({ ...u, skill_id: u.skill_id })));
      expect(client.batches.flat().map((i) => i.client_rating_id)).toEqual(['pair-new']);
      expect((await b.sql('SELECT sync_status, superseded_by FROM skill_ratings WHERE id = ?', 'pair-old'))[0]).toEqual({ sync_status: 'uploaded', superseded_by: 'pair-new' });
      expect((await b.sql('SELECT sync_status, rating FROM skill_ratings WHERE id = ?', r1))[0]).toEqual({ sync_status: 'uploaded', rating: 3 });

      // Other users' ratings: stored once, our own upload skipped, the aggregate computed where the payload has none.
      const at = (s: number) => new Date(Date.parse('2020-06-02T00:00:00.000Z') + s * 1000).toISOString();
      const other = (n: number, skillId: string, rating: number, stamp: string): RemoteRating => ({ rating_id: `other-${n}`, skill_id: skillId, user_id: `other-user-${n}`, rating, comment: null, created_at: stamp, updated_at: stamp });
      const listing = [other(1, 's03', 2, at(1)), other(2, 's02', 5, at(2)), other(3, 's02', 4, at(3)), { ...other(4, 's01', 5, at(4)), rating_id: 'remote-1' }, other(5, 'unknown', 3, at(5))];
      client.onList = (q: RatingPageQuery): RatingPage => {
        const from = q.updatedSince ? listing.filter((r) => Date.parse(r.updated_at) > Date.parse(q.updatedSince!)) : listing;
        const ratings = from.slice((q.page - 1) * 2, q.page * 2);
        return { ratings, received: ratings.length, invalid: 0, total: from.length, totalPages: null, pageSize: 2 };
      };
      await service.syncNow();
      note('list calls', client.listCalls);
      expect(await store.read.skills.get('s03')).toMatchObject({ average_rating: 4.5, rating_count: 10 });
      // s02 holds r3 (1), r4 (3) and two others (5, 4): 13 / 4.
      expect(await store.read.skills.get('s02')).toMatchObject({ average_rating: 3.25, rating_count: 4 });
      expect((await b.sql("SELECT cursor FROM sync_state WHERE stream = 'ratings'"))[0]!.cursor).toBe(at(5));
      expect(note('status3', service.status())).toMatchObject({ pending_count: 0, failed_count: 0 });
      note('facts', await store.read.ratingStore.facts());
      note('pairs', await store.read.ratingStore.uploadedValues([{ skill_id: 's01', user_id: 'u1' }, { skill_id: 's04', user_id: 'u9' }]));
      note('events', [...seen].sort());
      expect(note('uploads', uploads)).toMatchObject({ accepted: expect.any(Number), duplicate: 1, rejected: 2 });
      record('ratings', kind, await b.dump(), say, ids);
    } finally {
      await service.stop();
    }
  });

  // ---------------------------------------------------------------- the engine's services against the emulator

  it('converges with the emulator through the catalogue and rating services: full, incremental, and a full sweep', async () => {
    const b = await start(kind);
    const emulator: EmulatorHandle = await startEmulator({ skills: 300, categories: 12, seed: 5, ratingsPerSkill: 1, now: frozenClock() });
    const client = createMarketplaceClient({ apiUrl: emulator.apiUrl, token: null, instanceId: `contract-${kind}`, timeoutMs: 5_000, clock: systemClock, log: silentLogger, retry: { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 20 } });
    const events = new EngineEvents();
    const sync = new CatalogueSyncService({ store: b.store, client, events, clock: systemClock, log: silentLogger, stamp: createStamper(), batchSize: 100, enabled: true, demoMode: false });
    const ratings = new RatingSyncService({ store: b.store, client, events, clock: systemClock, log: silentLogger, config: { ratingBatchSize: 50, ratingMaxAttempts: 5, ratingSyncIntervalMinutes: 30 }, enabled: true });
    const say: unknown[] = [];
    try {
      await sync.init();
      await ratings.init();
      const run = async (mode: 'full' | 'incremental') => {
        expect((await sync.trigger(mode, 'manual')).accepted).toBe(true);
        await sync.idle();
        const [last] = await sync.runs(1);
        say.push([last!.mode, last!.result, last!.items]);
        return last!;
      };
      const converged = async () => {
        const rows = await b.sql('SELECT skill_id, name, version, remote_updated_at FROM community_skills ORDER BY skill_id');
        const remote = [...emulator.liveSkills()].sort((x, y) => (x.skill_id < y.skill_id ? -1 : 1));
        expect(rows.map((r) => [r.skill_id, r.name, r.version, r.remote_updated_at])).toEqual(remote.map((s) => [s.skill_id, s.name, s.version ?? null, s.updated_at ?? null]));
      };
      expect(await run('full')).toMatchObject({ result: 'success', mode: 'full', items: 300 });
      await converged();
      expect(sync.status()).toMatchObject({ skills_cached: 300, categories_cached: 12 });

      emulator.mutate({ update: 10, delete: 3, add: 2, push: false });
      expect(await run('incremental')).toMatchObject({ result: 'success', items: 15 });
      await converged();

      // Without updated_since every run lists everything; the sweep removes what it no longer lists.
      emulator.setFaults({ unsupported_extensions: ['updated_since'] });
      emulator.mutate({ delete: 20, push: false });
      expect(await run('incremental')).toMatchObject({ result: 'success', mode: 'full' });
      await converged();
      expect(sync.status().skills_cached).toBe(279);
      emulator.setFaults({});

      const skillIds = (await b.sql('SELECT skill_id FROM community_skills ORDER BY skill_id LIMIT 20')).map((r) => String(r.skill_id));
      await Promise.all(skillIds.map((id, i) => ratings.addLocalRating({ skill_id: id, user_id: `contract-user-${i}`, rating: 1 + (i % 5), comment: `c${i}` })));
      await ratings.syncNow();
      expect(ratings.status()).toMatchObject({ pending_count: 0, failed_count: 0, uploaded_total: 20 });
      say.push(['ratings', ratings.status().uploaded_total]);

      const dump = await b.dump();
      // The content the remote decides; stamps of this engine's own clock are left out.
      const content = {
        community_skills: dump.community_skills!.map(({ synced_at: _s, local_modified_at: _l, ...rest }) => rest),
        skill_categories: dump.skill_categories!.map(({ synced_at: _s, ...rest }) => rest),
        remote_ratings: dump.skill_ratings!.filter((r) => r.origin === 'remote').map(({ id, rating, updated_at }) => ({ id, rating, updated_at })),
        sync_runs: dump.sync_runs!.map((r) => [r.stream, r.mode, r.result, r.items, r.error_kind]),
      };
      results.set(`emulator ${kind}`, { dump: content as unknown as Record<string, Row[]>, transcript: say });
    } finally {
      await ratings.stop();
      await sync.stop();
      await client.close();
      await emulator.close();
    }
  }, 120_000);
});

/** The emulator's stamps from a clock that only moves by its own strictly-increasing steps: the same on every run. */
function frozenClock(): () => number {
  const base = Date.parse('2026-01-02T00:00:00.000Z');
  return () => base;
}

describe.runIf(KINDS.length === 2)('both stores', () => {
  it.each(['catalogue', 'ratings', 'emulator'])('end the %s script with the same rows and the same answers', (script) => {
    const sqlite = results.get(`${script} sqlite`);
    const postgres = results.get(`${script} postgres`);
    expect(sqlite, 'the SQLite run recorded its result').toBeDefined();
    expect(postgres, 'the PostgreSQL run recorded its result').toBeDefined();
    for (const table of Object.keys(sqlite!.dump)) expect(postgres!.dump[table], table).toEqual(sqlite!.dump[table]);
    expect(postgres!.transcript).toEqual(sqlite!.transcript);
    // Not vacuous: the scripts left rows behind.
    expect(Object.values(sqlite!.dump).some((rows) => rows.length > 0)).toBe(true);
  });
});
