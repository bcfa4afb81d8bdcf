import { describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../engine/store/migrations.js';
import { MIGRATIONS_PG, SCHEMA_VERSION_PG } from '../../engine/store/pg/migrationsPg.js';

/** What a migration creates, by name: tables with their columns, added columns, indexes, triggers. */
function objects(sql: string): string[] {
  const code = sql.replace(/--[^\n]*/g, '');
  const found: string[] = [];
  for (const m of code.matchAll(/CREATE TABLE (\w+) \(([\s\S]*?)\n\s*\);/g)) {
    const columns = m[2]!
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !/^(PRIMARY|UNIQUE|CHECK|FOREIGN|CONSTRAINT)\b/.test(line))
      .map((line) => line.split(/\s+/)[0]!);
    found.push(`table ${m[1]} (${columns.join(', ')})`);
  }
  for (const m of code.matchAll(/ALTER TABLE (\w+) ADD COLUMN (\w+)/g)) found.push(`column ${m[1]}.${m[2]}`);
  for (const m of code.matchAll(/CREATE (UNIQUE )?INDEX (\w+) ON (\w+) \(([^)]*)\)( WHERE [^;]*)?;/g)) {
    found.push(`${m[1] ?? ''}index ${m[2]} on ${m[3]} (${m[4]})${(m[5] ?? '').replace(/\s+/g, ' ')}`);
  }
  for (const m of code.matchAll(/CREATE TRIGGER (\w+)\s+(?:BEFORE|AFTER) UPDATE OF ([\w, ]+?)\s+ON (\w+)/g)) {
    found.push(`trigger ${m[1]} on update of ${m[2]} in ${m[3]}`);
  }
  return found.sort();
}

describe('the PostgreSQL migrations follow the SQLite ones step by step', () => {
  it('have the same number of steps', () => {
    expect(SCHEMA_VERSION_PG).toBe(SCHEMA_VERSION);
    expect(MIGRATIONS_PG).toHaveLength(MIGRATIONS.length);
  });

  it.each(MIGRATIONS.map((sql, i) => [i + 1, sql] as const))('step %i creates the same tables, columns, indexes and triggers', (version, sql) => {
    const sqlite = objects(sql);
    expect(sqlite.length).toBeGreaterThan(0);
    expect(objects(MIGRATIONS_PG[version - 1] ?? '')).toEqual(sqlite);
  });

  it('reads the objects of a migration (the check above is not vacuous)', () => {
    expect(objects(MIGRATIONS[0]!)).toContain(
      'table community_skills (skill_id, name, description, version, category, skill_type, author, tags, payload, average_rating, rating_count, remote_updated_at, base_payload, local_modified_at, synced_at, deleted_at)',
    );
    expect(objects(MIGRATIONS[0]!)).toContain(
      'trigger community_skills_local_edit on update of name, description, version, category, skill_type, author, tags, payload in community_skills',
    );
    expect(objects(MIGRATIONS[2]!)).toContain('column skill_ratings.superseded_by');
    expect(objects(MIGRATIONS[0]!)).toContain("UNIQUE index sync_conflicts_open on sync_conflicts (entity_type, entity_id) WHERE status = 'unresolved'");
    const table = (column: string) => `\n  CREATE TABLE a (\n    ${column} TEXT NOT NULL,\n    PRIMARY KEY (${column})\n  );`;
    expect(objects(table('x'))).toEqual(['table a (x)']);
    expect(objects(table('x'))).not.toEqual(objects(table('y')));
  });
});
