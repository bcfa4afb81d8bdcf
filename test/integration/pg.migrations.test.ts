import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../engine/store/database.js';
import { SCHEMA_VERSION } from '../../engine/store/migrations.js';
import { describePgError } from '../../engine/store/pg/connection.js';
import { MIGRATIONS_PG, currentVersionPg, migratePg } from '../../engine/store/pg/migrationsPg.js';
import { SchemaTooNewError } from '../../engine/store/storeErrors.js';
import { PG_PASSWORD, PG_PASSWORD_USER, postgresAvailable, usePostgres } from '../support/postgres.js';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe.runIf(postgresAvailable())('PostgreSQL store schema', () => {
  const cluster = usePostgres();
  const open: pg.Client[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.end().catch(() => {})));
  });

  async function connect(url: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    client.on('error', () => {});
    await client.connect();
    open.push(client);
    return client;
  }

  async function migrated(): Promise<pg.Client> {
    const client = await connect(await cluster().freshDatabase());
    await migratePg(client);
    return client;
  }

  /** Tables, columns (type family, nullability), indexes and triggers: what "the same schema" means here. */
  async function pgSchema(client: pg.Client) {
    const columns = await client.query<{ table_name: string; column_name: string; is_nullable: string }>(
      `SELECT table_name, column_name, is_nullable FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name <> 'schema_migrations' ORDER BY table_name, column_name`,
    );
    const indexes = await client.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' ORDER BY indexname",
    );
    const triggers = await client.query<{ tgname: string }>('SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname');
    return {
      columns: columns.rows.map((r) => `${r.table_name}.${r.column_name}${r.is_nullable === 'NO' ? ' not null' : ''}`),
      indexes: indexes.rows.map((r) => r.indexname),
      triggers: triggers.rows.map((r) => r.tgname),
    };
  }

  function sqliteSchema(db: Db) {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
    const columns: string[] = [];
    for (const table of tables) {
      const info = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string; notnull: number; pk: number; type: string }[];
      // SQLite lets an INTEGER PRIMARY KEY (the rowid) and TEXT keys be NULL in name only; PostgreSQL's keys are NOT NULL.
      for (const c of info) columns.push(`${table}.${c.name}${c.notnull || c.pk ? ' not null' : ''}`);
    }
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").pluck().all() as string[];
    const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").pluck().all() as string[];
    return { columns: columns.sort(), indexes, triggers };
  }

  it('migrates a fresh database to the same tables, columns, indexes and triggers as SQLite, recording each step', async () => {
    const client = await migrated();
    const versions = await client.query<{ version: number; applied_at: string }>('SELECT version, applied_at FROM schema_migrations ORDER BY version');
    expect(versions.rows.map((r) => r.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
    for (const row of versions.rows) expect(row.applied_at).toMatch(ISO_MS);
    const sqlite = openDatabase(':memory:');
    try {
      const expected = sqliteSchema(sqlite);
      const actual = await pgSchema(client);
      expect(actual.columns).toEqual([...expected.columns].sort());
      expect(actual.indexes).toEqual(expected.indexes);
      expect(actual.triggers).toEqual(expected.triggers);
    } finally {
      sqlite.close();
    }
  });

  it('re-running on a migrated database changes nothing', async () => {
    const client = await migrated();
    await client.query("INSERT INTO skill_categories (name, synced_at) VALUES ('Data', '2026-01-01T00:00:00.000Z')");
    const before = await pgSchema(client);
    expect(await migratePg(client)).toBe(SCHEMA_VERSION);
    expect(await pgSchema(client)).toEqual(before);
    expect((await client.query('SELECT COUNT(*)::int AS n FROM skill_categories')).rows[0].n).toBe(1);
    expect((await client.query('SELECT COUNT(*)::int AS n FROM schema_migrations')).rows[0].n).toBe(SCHEMA_VERSION);
  });

  it('lets replicas starting together migrate the same database once', async () => {
    const url = await cluster().freshDatabase();
    const clients = await Promise.all([connect(url), connect(url), connect(url)]);
    expect(await Promise.all(clients.map((c) => migratePg(c)))).toEqual([SCHEMA_VERSION, SCHEMA_VERSION, SCHEMA_VERSION]);
    expect((await clients[0]!.query('SELECT COUNT(*)::int AS n FROM schema_migrations')).rows[0].n).toBe(SCHEMA_VERSION);
  });

  it('refuses a database recorded at a newer version, without touching it', async () => {
    const client = await connect(await cluster().freshDatabase());
    await client.query("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT 'x')");
    await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [SCHEMA_VERSION + 1]);
    await expect(migratePg(client, 'postgres://127.0.0.1/future')).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(migratePg(client)).rejects.toThrow(/newer than this build understands/);
    expect(await currentVersionPg(client)).toBe(SCHEMA_VERSION + 1);
    expect((await client.query("SELECT to_regclass('community_skills') AS t")).rows[0].t).toBeNull();
  });

  it('rolls a failing migration back whole and keeps the steps before it', async () => {
    const client = await connect(await cluster().freshDatabase());
    const broken = [MIGRATIONS_PG[0]!, 'CREATE TABLE half_done (x TEXT); SELECT no_such_function();'];
    await expect(migratePg(client, 'test', broken)).rejects.toThrow(/no_such_function/);
    expect(await currentVersionPg(client)).toBe(1);
    expect((await client.query("SELECT to_regclass('half_done') AS t")).rows[0].t).toBeNull();
    expect(await migratePg(client)).toBe(SCHEMA_VERSION);
  });

  /** Runs the same statements on a fresh SQLite store and a fresh PostgreSQL one and returns the rows of `select`. */
  async function bothStores(statements: string[], select: string) {
    const client = await migrated();
    const sqlite = openDatabase(':memory:');
    try {
      for (const sql of statements) {
        sqlite.exec(sql);
        await client.query(sql);
      }
      return { sqlite: sqlite.prepare(select).all() as Record<string, unknown>[], pg: (await client.query(select)).rows as Record<string, unknown>[] };
    } finally {
      sqlite.close();
    }
  }

  it('marks a row edited by someone other than the sync engine as locally modified, as SQLite does', async () => {
    const before = new Date().toISOString();
    const rows = await bothStores(
      [
        "INSERT INTO community_skills (skill_id, name, description, payload, synced_at) VALUES ('s1', 'One', 'remote text', '{\"v\":1}', '2026-01-01T00:00:00.000Z')",
        "INSERT INTO community_skills (skill_id, name, payload, synced_at) VALUES ('s2', 'Two', '{\"v\":1}', '2026-01-01T00:00:00.000Z')",
        "INSERT INTO community_skills (skill_id, name, payload, synced_at) VALUES ('s3', 'Three', '{\"v\":1}', '2026-01-01T00:00:00.000Z')",
        // The local Atom edits s1 directly, twice: the base stays the pre-edit payload.
        "UPDATE community_skills SET description = 'my local text' WHERE skill_id = 's1'",
        "UPDATE community_skills SET payload = '{\"v\":\"local\"}' WHERE skill_id = 's1'",
        // The engine's own write moves synced_at: not a local edit.
        "UPDATE community_skills SET name = 'Two v2', payload = '{\"v\":2}', synced_at = '2026-01-02T00:00:00.000Z' WHERE skill_id = 's2'",
        // A column outside the trigger's list: not a local edit either.
        "UPDATE community_skills SET average_rating = 4.5, rating_count = 2 WHERE skill_id = 's3'",
      ],
      'SELECT skill_id, name, description, payload, base_payload, local_modified_at, synced_at, average_rating, rating_count FROM community_skills ORDER BY skill_id',
    );
    const after = new Date().toISOString();
    const stamp = (r: Record<string, unknown>) => r.local_modified_at as string | null;
    for (const store of [rows.sqlite, rows.pg]) {
      expect(stamp(store[0]!)).toMatch(ISO_MS);
      // The same text form in both stores, so it compares with the engine's ISO stamps as text.
      expect(stamp(store[0]!)! >= before.slice(0, 19) && stamp(store[0]!)! <= after).toBe(true);
      expect(store[0]).toMatchObject({ description: 'my local text', base_payload: '{"v":1}' });
      expect(stamp(store[1]!)).toBeNull();
      expect(stamp(store[2]!)).toBeNull();
    }
    const withoutStamp = (all: Record<string, unknown>[]) => all.map((r) => ({ ...r, local_modified_at: r.local_modified_at === null ? null : 'set', rating_count: Number(r.rating_count) }));
    expect(withoutStamp(rows.pg)).toEqual(withoutStamp(rows.sqlite));
  });

  it('puts a re-rated local rating back to pending and out of the dead letter, as SQLite does', async () => {
    const rows = await bothStores(
      [
        "INSERT INTO skill_ratings (id, skill_id, user_id, rating, origin, sync_status, upload_attempts, last_upload_error, next_attempt_at, created_at, updated_at) VALUES ('r1', 's1', 'u1', 3, 'local', 'failed', 5, 'boom', '2026-01-03T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
        "INSERT INTO failed_rating_uploads (rating_id, error, attempts, first_failed_at, last_attempt_at, next_retry_at) VALUES ('r1', 'boom', 5, '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z')",
        "INSERT INTO skill_ratings (id, skill_id, user_id, rating, origin, sync_status, created_at, updated_at) VALUES ('r2', 's1', 'u2', 4, 'local', 'uploaded', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
        "INSERT INTO skill_ratings (id, skill_id, user_id, rating, origin, sync_status, created_at, updated_at) VALUES ('r3', 's1', 'u3', 2, 'remote', 'uploaded', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
        "UPDATE skill_ratings SET rating = 5 WHERE id = 'r1'",
        // Atom sets its own updated_at: kept.
        "UPDATE skill_ratings SET comment = 'better', updated_at = '2026-02-01T00:00:00.000Z' WHERE id = 'r2'",
        // A remote row and an unchanged value are not re-ratings.
        "UPDATE skill_ratings SET rating = 1 WHERE id = 'r3'",
        "UPDATE skill_ratings SET rating = 4 WHERE id = 'r2'",
      ],
      `SELECT r.id, r.rating, r.comment, r.sync_status, r.upload_attempts, r.last_upload_error, r.next_attempt_at, r.updated_at,
              f.resolved_at AS dead_letter_resolved, f.next_retry_at AS dead_letter_retry
         FROM skill_ratings r LEFT JOIN failed_rating_uploads f ON f.rating_id = r.id ORDER BY r.id`,
    );
    for (const store of [rows.sqlite, rows.pg]) {
      expect(store[0]).toMatchObject({ sync_status: 'pending', upload_attempts: 0, last_upload_error: null, next_attempt_at: null, dead_letter_retry: null });
      expect(store[0]!.updated_at).toMatch(ISO_MS);
      expect(store[0]!.updated_at).not.toBe('2026-01-01T00:00:00.000Z');
      expect(store[0]!.dead_letter_resolved).toMatch(ISO_MS);
      expect(store[1]).toMatchObject({ sync_status: 'pending', comment: 'better', updated_at: '2026-02-01T00:00:00.000Z' });
      expect(store[2]).toMatchObject({ rating: 1, sync_status: 'uploaded', updated_at: '2026-01-01T00:00:00.000Z' });
    }
    const stable = (all: Record<string, unknown>[]) =>
      all.map((r) => ({ ...r, updated_at: r.id === 'r1' ? 'new' : r.updated_at, dead_letter_resolved: r.dead_letter_resolved ? 'set' : null }));
    expect(stable(rows.pg)).toEqual(stable(rows.sqlite));
  });

  describe('connection failures, as an operator reads them', () => {
    async function failure(url: string): Promise<string> {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
      client.on('error', () => {});
      try {
        await client.connect();
      } catch (error) {
        return describePgError(error, url).message;
      } finally {
        await client.end().catch(() => {});
      }
      throw new Error('connected');
    }

    it('names a wrong password without showing it', async () => {
      const wrong = 'not-the-password-123';
      const url = cluster().url('postgres', { user: PG_PASSWORD_USER, password: wrong });
      const message = await failure(url);
      expect(message).toMatch(/^ATOM_DATABASE_URL .*rejected the password of user "atom_pw"/);
      expect(message).not.toContain(wrong);
      expect(message).not.toContain(PG_PASSWORD);
      expect(message).not.toMatch(/\n/);
      // The right one gets in: the server checks passwords, so the case above was a real refusal.
      const ok = new pg.Client({ connectionString: cluster().url('postgres', { user: PG_PASSWORD_USER, password: PG_PASSWORD }) });
      await ok.connect();
      await ok.end();
    });

    it('names an unknown user and a missing database', async () => {
      expect(await failure(cluster().url('postgres', { user: 'nobody_here' }))).toMatch(/has no user "nobody_here"/);
      expect(await failure(cluster().url('no_such_db'))).toMatch(/^ATOM_DATABASE_URL .*has no database "no_such_db": create it/);
    });

    it('names a port nobody listens on', async () => {
      const { createServer } = await import('node:net');
      const port = await new Promise<number>((resolve) => {
        const server = createServer().listen(0, '127.0.0.1', () => {
          const address = server.address() as { port: number };
          server.close(() => resolve(address.port));
        });
      });
      const message = await failure(`postgres://atom:${PG_PASSWORD}@127.0.0.1:${port}/atom`);
      expect(message).toMatch(new RegExp(`^ATOM_DATABASE_URL \\(postgres://atom:\\*\\*\\*@127\\.0\\.0\\.1:${port}/atom\\): nothing accepts connections`));
      expect(message).not.toContain(PG_PASSWORD);
    });
  });
});
