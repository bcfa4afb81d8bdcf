import type { RemoteCategory } from '../contracts/remote.js';
import { dialectSql } from './dialectSql.js';
import type { SqlDb } from './sqlDb.js';

export class CategoriesRepo {
  private readonly upsertStmt;
  private readonly countStmt;
  private readonly pruneStmt;

  constructor(db: SqlDb) {
    this.upsertStmt = db.prepare(`
      INSERT INTO skill_categories (name, slug, description, skill_count, synced_at)
      VALUES (@name, @slug, @description, @skill_count, @synced_at)
      ON CONFLICT (name) DO UPDATE SET slug = excluded.slug, description = excluded.description,
        skill_count = excluded.skill_count, synced_at = excluded.synced_at`);
    this.countStmt = db.prepare('SELECT COUNT(*) FROM skill_categories').pluck();
    this.pruneStmt = db.prepare(`DELETE FROM skill_categories WHERE name NOT IN (${dialectSql(db.dialect).jsonArrayTexts('?')})`);
  }

  upsert(category: RemoteCategory, syncedAt: string): void {
    this.upsertStmt.run({
      name: category.name,
      slug: typeof category.slug === 'string' ? category.slug : null,
      description: typeof category.description === 'string' ? category.description : null,
      skill_count: Number.isFinite(category.skill_count) ? Math.trunc(category.skill_count) : 0,
      synced_at: syncedAt,
    });
  }

  /** Replaces the whole set with the remote's listing (categories are few: one transaction). */
  replaceAll(categories: readonly RemoteCategory[], syncedAt: string): void {
    for (const category of categories) this.upsert(category, syncedAt);
    const names = categories.map((c) => c.name);
    this.pruneStmt.run(JSON.stringify(names));
  }

  count(): number {
    return this.countStmt.get() as number;
  }
}
