/**
 * The PostgreSQL store's transactions: whole or nothing, one session per transaction, and a session
 * killed in the middle of a unit failing that unit alone with a clear error. Both through the
 * facade directly (synchronous units, as the store worker runs them) and through the real worker.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { errorKind } from '../../engine/errors.js';
import type { PgDb } from '../../engine/store/pg/pgDb.js';
import { openPgStore } from '../../engine/store/pg/openPgStore.js';
import { DatabaseConnectionError } from '../../engine/store/pg/connection.js';
import { SchemaTooNewError } from '../../engine/store/storeErrors.js';
import { openStore, type EngineStore } from '../../engine/storeHost/openStore.js';
import { PG_PASSWORD, PG_PASSWORD_USER, postgresAvailable, usePostgres } from '../support/postgres.js';
import { waitFor } from '../support/waitFor.js';

const NOW = '2026-01-01T00:00:00.000Z';

describe.runIf(postgresAvailable())('the PostgreSQL store', () => {
  const cluster = usePostgres();
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function facade(url?: string): Promise<PgDb> {
    const db = await openPgStore({ url: url ?? (await cluster().freshDatabase()), statementTimeoutMs: 10_000, connectTimeoutMs: 5_000 });
    cleanup.push(() => db.close());
    return db;
  }

  async function store(url: string): Promise<EngineStore> {
    const opened = await openStore({ database: { kind: 'postgres', url } });
    cleanup.push(() => opened.close());
    return opened;
  }

  async function side(url: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {});
    await client.connect();
    cleanup.push(() => client.end());
    return client;
  }

  const count = (db: PgDb, table: string) => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get();
  const addCategory = (db: PgDb, name: string) => db.prepare('INSERT INTO skill_categories (name, synced_at) VALUES (?, ?)').run(name, NOW);

  it('commits a unit whole, rolls one that throws half-way back whole, and lets its statements see each other', async () => {
    const db = await facade();
    const seen = db.transaction(() => {
      addCategory(db, 'a');
      addCategory(db, 'b');
      return count(db, 'skill_categories');
    }).immediate();
    expect(seen).toBe(2);
    expect(() =>
      db.transaction(() => {
        addCategory(db, 'c');
        expect(count(db, 'skill_categories')).toBe(3);
        throw new Error('half-way');
      }).immediate(),
    ).toThrow('half-way');
    expect(db.prepare('SELECT name FROM skill_categories ORDER BY name').pluck().all()).toEqual(['a', 'b']);
  });

  it('fails a unit whose statement fails even when the unit catches it, and rolls back a savepoint alone', async () => {
    const db = await facade();
    // A caught error does not let the rest commit: PostgreSQL aborted the transaction.
    const failed = (() => {
      try {
        db.transaction(() => {
          addCategory(db, 'x');
          try {
            addCategory(db, 'x');
          } catch {
            /* swallowed */
          }
          addCategory(db, 'y');
        }).immediate();
        return null;
      } catch (error) {
        return error as Error & { code?: string };
      }
    })();
    expect(failed).toMatchObject({ name: 'PostgresError', kind: 'database', code: '23505' });
    expect(count(db, 'skill_categories')).toBe(0);
    // A nested transaction is a savepoint: its failure is undone alone and the unit goes on.
    db.transaction(() => {
      addCategory(db, 'p');
      expect(() => db.transaction(() => addCategory(db, 'p'))()).toThrow(/duplicate key/);
      addCategory(db, 'q');
    }).immediate();
    expect(db.prepare('SELECT name FROM skill_categories ORDER BY name').pluck().all()).toEqual(['p', 'q']);
  });

  it('gives ids, counts and conditions back as SQLite does, and returns the id of an insert', async () => {
    const db = await facade();
    const run = db.prepare('INSERT INTO sync_runs (stream, mode, started_at) VALUES (?, ?, ?)').run('skills', 'full', NOW);
    expect(run).toEqual({ changes: 1, lastInsertRowid: 1 });
    expect(db.prepare('SELECT id, items, duration_ms FROM sync_runs').get()).toEqual({ id: 1, items: 0, duration_ms: null });
    expect(db.prepare('SELECT EXISTS (SELECT 1 FROM sync_runs) AS yes, 1 = 2 AS no').get()).toEqual({ yes: 1, no: 0 });
    expect(() => db.prepare('SELECT CAST(@a AS TEXT) AS a, CAST(? AS TEXT) AS b')).toThrow(/positional or named/);
    const reused = db.prepare('SELECT CAST(@a AS TEXT) AS a, CAST(@b AS INTEGER) AS b, CAST(@a AS TEXT) AS again');
    expect(reused.get({ a: 'x', b: 2 })).toEqual({ a: 'x', b: 2, again: 'x' });
    expect(() => reused.get({ a: 'x' })).toThrow(/Missing named parameter "b"/);
  });

  it('reads ISO timestamps of mixed precision and zones as instants, as julianday does, and junk as NULL', async () => {
    const db = await facade();
    const instant = (text: string | null) => db.prepare('SELECT atom_instant(?)').pluck().get(text);
    expect(instant('2026-01-01T00:00:00Z')).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(instant('2026-01-01T00:00:00.5Z')).toBe(Date.parse('2026-01-01T00:00:00.500Z'));
    expect(instant('2026-01-01 02:00:00+02:00')).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(instant('2026-01-01T00:00:00.0004Z')).toBe(Date.parse('2026-01-01T00:00:00.000Z'));
    expect(instant('2026-01-01T00:00:00.0006Z')).toBe(Date.parse('2026-01-01T00:00:00.001Z'));
    expect(instant('2026-01-01')).toBe(Date.parse('2026-01-01T00:00:00Z'));
    for (const junk of ['yesterday', '2026-13-01', '2026-01-01T25:00:00Z', '', null]) expect(instant(junk)).toBeNull();
  });

  it('fails a unit whose session is killed in the middle, applies none of it, and works again on the next call', async () => {
    const url = await cluster().freshDatabase();
    const db = await facade(url);
    const killer = await facade(url);
    addCategory(db, 'before');
    const pid = db.prepare('SELECT pg_backend_pid()').pluck().get();
    let after = 0;
    const error = (() => {
      try {
        db.transaction(() => {
          addCategory(db, 'inside-1');
          // With a timeout, it returns once the session is gone.
          expect(killer.prepare('SELECT pg_terminate_backend(CAST(? AS INTEGER), 5000)').pluck().get(pid)).toBe(1);
          addCategory(db, 'inside-2');
          after++;
        }).immediate();
        return null;
      } catch (e) {
        return e as Error;
      }
    })();
    expect(after).toBe(0);
    expect(error).toMatchObject({ name: 'PostgresError', kind: 'database', reason: 'lost' });
    expect(error!.message).toMatch(/connection to PostgreSQL was lost/);
    expect(errorKind(error)).toBe('database');
    // The next call opens a new session; nothing of the killed unit is there.
    expect(db.prepare('SELECT name FROM skill_categories ORDER BY name').pluck().all()).toEqual(['before']);
    expect(db.prepare('SELECT pg_backend_pid()').pluck().get()).not.toBe(pid);
    db.transaction(() => addCategory(db, 'later')).immediate();
    expect(count(db, 'skill_categories')).toBe(2);
  });

  it('through the worker: a unit killed mid-way fails with kind database, leaves nothing, and the next call works', async () => {
    const url = await cluster().freshDatabase();
    const engine = await store(url);
    const admin = await side(url);
    await engine.write.catalogue.replaceCategories([{ name: 'kept', slug: 'kept', description: 'kept', skill_count: 0 }], NOW, NOW);
    // A page long enough to be caught while its transaction is open (a few tries, each with more rows).
    let killed: unknown = null;
    let applied = 0;
    let cursor: string | null = null;
    for (let attempt = 0; attempt < 4 && killed === null; attempt++) {
      const size = 4_000 * (attempt + 1);
      const skills = Array.from({ length: size }, (_, i) => ({ skill_id: `k${attempt}-${String(i).padStart(6, '0')}`, name: `Skill ${i}`, version: '1.0.0' }));
      let settled = false;
      const page = engine.write.catalogue
        .applyPage({ skills, tombstones: [], invalid: [] }, { cursor: `after-${attempt}` }, NOW, NOW)
        .then(
          () => null,
          (e: unknown) => e,
        )
        .finally(() => (settled = true));
      await waitFor(
        async () => {
          const rows = await admin.query<{ done: boolean }>(
            "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = 'atom-sync' AND xact_start IS NOT NULL",
          );
          return rows.rows.some((r) => r.done) || settled;
        },
        20_000,
        5,
      );
      killed = await page;
      if (killed === null) {
        applied += size;
        cursor = `after-${attempt}`;
      }
    }
    expect(killed).toMatchObject({ kind: 'database' });
    expect(errorKind(killed)).toBe('database');
    expect((killed as Error).message).toMatch(/connection to PostgreSQL was lost/);
    expect((killed as Error).message).not.toContain(url);
    // Nothing of the page, nor the cursor it carried.
    expect((await admin.query('SELECT COUNT(*)::int AS n FROM community_skills')).rows[0].n).toBe(applied);
    expect(await engine.read.catalogue.facts()).toMatchObject({ skills: applied, categories: 1, cursor });
    await engine.write.catalogue.applyPage({ skills: [{ skill_id: 'again', name: 'Again' }], tombstones: [], invalid: [] }, { cursor: 'c1' }, NOW, NOW);
    expect(await engine.read.catalogue.facts()).toMatchObject({ skills: applied + 1, cursor: 'c1' });
  });

  it('bounds every statement by the session timeout, failing the unit with kind database', async () => {
    const db = await openPgStore({ url: await cluster().freshDatabase(), statementTimeoutMs: 300, connectTimeoutMs: 5_000 });
    cleanup.push(() => db.close());
    const started = Date.now();
    let error: unknown = null;
    try {
      db.transaction(() => {
        addCategory(db, 'never');
        db.prepare('SELECT pg_sleep(5)').get();
      }).immediate();
    } catch (e) {
      error = e;
    }
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(error).toMatchObject({ name: 'PostgresError', kind: 'database', code: '57014' });
    expect(count(db, 'skill_categories')).toBe(0);
  });

  it('refuses a newer schema naming ATOM_DATABASE_URL, and a failed login without the password', async () => {
    const url = await cluster().freshDatabase();
    const admin = await side(url);
    await admin.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)');
    await admin.query('INSERT INTO schema_migrations (version) VALUES (99)');
    const newer = await openStore({ database: { kind: 'postgres', url } }).catch((e: unknown) => e);
    expect(newer).toBeInstanceOf(SchemaTooNewError);
    expect((newer as Error).message).toMatch(/schema version 99.*ATOM_DATABASE_URL/);
    expect((await admin.query("SELECT to_regclass('community_skills') AS t")).rows[0].t).toBeNull();

    const wrong = cluster().url(new URL(url).pathname.slice(1), { user: PG_PASSWORD_USER, password: `${PG_PASSWORD}-not` });
    const refused = await openStore({ database: { kind: 'postgres', url: wrong } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DatabaseConnectionError);
    expect(refused).toMatchObject({ kind: 'auth' });
    expect((refused as Error).message).toContain('ATOM_DATABASE_URL');
    expect((refused as Error).message).not.toContain(`${PG_PASSWORD}-not`);
  });

  // Last: it stops the file's server for a moment.
  it('fails calls while the server is down with a plain error naming the setting, and reconnects once it is back', async () => {
    const url = await cluster().freshDatabase();
    const engine = await store(url);
    await engine.write.catalogue.replaceCategories([{ name: 'before', slug: 'before', description: 'x', skill_count: 0 }], NOW, NOW);
    await cluster().stopServer();
    try {
      const down = await engine.write.catalogue.replaceCategories([{ name: 'during', slug: 'during', description: 'x', skill_count: 0 }], NOW, NOW).catch((e: unknown) => e);
      expect(errorKind(down)).toBe('database');
      expect((down as Error).message).toMatch(/ATOM_DATABASE_URL \(postgres:\/\/.*\): /);
      const fast = await engine.read.categories.count().catch((e: unknown) => e);
      expect(errorKind(fast)).toBe('database');
    } finally {
      await cluster().startServer();
    }
    // The next calls open a new session once the backoff allows. (The test server runs without
    // synchronous commit: its immediate stop may lose the last commits, so no count is checked here.)
    const answered = () => engine.read.categories.count().then((n) => typeof n === 'number', () => false);
    await waitFor(answered, 20_000, 100);
    await engine.write.catalogue.replaceCategories([{ name: 'after', slug: 'after', description: 'x', skill_count: 0 }], NOW, NOW);
    const admin = await side(url);
    expect((await admin.query('SELECT name FROM skill_categories ORDER BY name')).rows.map((r: { name: string }) => r.name)).toEqual(['after']);
  });
});
