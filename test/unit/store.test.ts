import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../engine/store/database.js';
import { SchemaTooNewError } from '../../engine/store/storeErrors.js';
import { SCHEMA_VERSION } from '../../engine/store/migrations.js';
import { ItemErrorsRepo } from '../../engine/store/itemErrorsRepo.js';
import { SkillsRepo } from '../../engine/store/skillsRepo.js';
import { TombstonesRepo } from '../../engine/store/tombstonesRepo.js';
import { createStamper } from '../../engine/store/stamp.js';
import { tempDir } from '../support/tempDir.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function hasSqliteCli(): boolean {
  try {
    execFileSync('sqlite3', ['-version']);
    return true;
  } catch {
    return false;
  }
}

describe('local store migrations', () => {
  it('creates every table of the spec on a fresh file, in WAL mode', () => {
    const db = openDatabase(tmp.file('fresh.db'));
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(
      expect.arrayContaining(['community_skills', 'skill_categories', 'sync_state', 'sync_runs', 'skill_ratings', 'failed_rating_uploads', 'sync_conflicts']),
    );
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  it('re-running on a migrated file changes nothing', () => {
    const file = tmp.file('rerun.db');
    const first = openDatabase(file);
    first.prepare("INSERT INTO skill_categories (name, synced_at) VALUES ('Data', '2026-01-01T00:00:00Z')").run();
    const schema = first.prepare('SELECT sql FROM sqlite_master ORDER BY name').pluck().all();
    first.close();
    const second = openDatabase(file);
    expect(second.prepare('SELECT sql FROM sqlite_master ORDER BY name').pluck().all()).toEqual(schema);
    expect(second.prepare('SELECT COUNT(*) FROM skill_categories').pluck().get()).toBe(1);
    second.close();
  });

  it('refuses a schema newer than it knows, without touching the file', () => {
    const file = tmp.file('newer.db');
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.exec('CREATE TABLE future_table (x)');
    raw.close();
    expect(() => openDatabase(file)).toThrow(SchemaTooNewError);
    expect(() => openDatabase(file)).toThrow(/newer than this build understands/);
    const check = new Database(file);
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    expect(check.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'community_skills'").pluck().get()).toBe(0);
    check.close();
  });

  it.runIf(hasSqliteCli())('answers the runbook sqlite3 queries on a migrated file', () => {
    const file = tmp.file('atom_dev.db');
    const db = openDatabase(file);
    const skills = new SkillsRepo(db);
    const stamp = createStamper();
    skills.upsertRemote({ skill_id: 's1', name: 'One', version: '1.0.0' }, stamp());
    skills.upsertRemote({ skill_id: 's2', name: 'Two', version: '1.0.0' }, stamp());
    db.prepare("INSERT INTO sync_state (stream, status, last_sync, updated_at) VALUES ('skills', 'idle', '2026-02-19T10:00:00Z', '2026-02-19T10:00:00Z')").run();
    db.close();
    const run = (sql: string) => execFileSync('sqlite3', [file, sql], { encoding: 'utf8' }).trim();
    expect(run('SELECT COUNT(*) FROM community_skills;')).toBe('2');
    expect(run('SELECT * FROM sync_state ORDER BY last_sync DESC LIMIT 1;')).toMatch(/^skills\|idle\|2026-02-19T10:00:00Z/);
    run('DELETE FROM community_skills;');
    run('DELETE FROM sync_state;');
    expect(run('SELECT COUNT(*) FROM community_skills;')).toBe('0');
  });
});

describe('local edits', () => {
  it('marks a row edited by someone other than the sync engine as locally modified', () => {
    const db = openDatabase(tmp.file('edits.db'));
    const skills = new SkillsRepo(db);
    const stamp = createStamper();
    skills.upsertRemote({ skill_id: 's1', name: 'One', description: 'remote text' }, stamp());
    expect(skills.get('s1')!.local_modified_at).toBeNull();

    // The local Atom edits the row directly, as it would through its own SQL.
    db.prepare("UPDATE community_skills SET description = 'my local text' WHERE skill_id = 's1'").run();
    expect(skills.get('s1')!.local_modified_at).not.toBeNull();

    // A remote write does not overwrite the local edit.
    expect(skills.upsertRemote({ skill_id: 's1', name: 'One', description: 'remote v2' }, stamp())).toBe(false);
    expect(skills.get('s1')!.description).toBe('my local text');
    db.close();
  });

  it('does not take its own writes for local edits, even within one millisecond', () => {
    const db = openDatabase(tmp.file('own.db'));
    const skills = new SkillsRepo(db);
    const stamp = createStamper(() => 1_000);
    for (let i = 0; i < 5; i++) skills.upsertRemote({ skill_id: 's1', name: `Name ${i}` }, stamp());
    expect(skills.get('s1')).toMatchObject({ name: 'Name 4', local_modified_at: null });
    db.close();
  });
});

describe('lookups in tables only the engine writes', () => {
  it('skips them while empty, never hides a row written since, and notices a table emptied behind its back', () => {
    const db = openDatabase(tmp.file('hint.db'));
    const tombstones = new TombstonesRepo(db);
    const lookups = () => (db.prepare('SELECT COUNT(*) FROM skill_tombstones').pluck().get() as number);
    expect(tombstones.deletedAt('s1')).toBeUndefined();
    // A write rolled back still counts as "may have rows": nothing is ever hidden.
    expect(() =>
      db.transaction(() => {
        tombstones.record('s1', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
        throw new Error('rolled back');
      })(),
    ).toThrow('rolled back');
    expect(tombstones.deletedAt('s1')).toBeUndefined();
    tombstones.record('s2', '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z');
    expect(tombstones.deletedAt('s2')).toBe('2026-01-02T00:00:00.000Z');
    // Emptied by another connection (the runbook's sqlite3): found again after enough misses.
    const other = new Database(tmp.file('hint.db'));
    other.exec('DELETE FROM skill_tombstones');
    other.close();
    expect(lookups()).toBe(0);
    for (let i = 0; i < 1000; i++) expect(tombstones.deletedAt(`missing-${i}`)).toBeUndefined();
    tombstones.record('s3', '2026-01-03T00:00:00.000Z', '2026-01-03T00:00:00.000Z');
    expect(tombstones.deletedAt('s3')).toBe('2026-01-03T00:00:00.000Z');
    db.close();
  });

  it('clears an invalid item listed by this store, and does nothing while none is listed', () => {
    const db = openDatabase(tmp.file('hint-items.db'));
    const items = new ItemErrorsRepo(db);
    expect(items.clear('skills', 'x')).toBe(false);
    items.record('skills', 'x', 'name missing', '2026-01-01T00:00:00.000Z');
    expect(items.count('skills')).toBe(1);
    expect(items.clear('skills', 'x')).toBe(true);
    expect(items.count('skills')).toBe(0);
    db.close();
  });
});
