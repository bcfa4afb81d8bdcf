import type { RemoteCategory } from '../contracts/remote.js';
import type { Db } from './database.js';

export class CategoriesRepo {
  private readonly upsertStmt;
  private readonly countStmt;

  constructor(private readonly db: Db) {
    this.upsertStmt = db.prepare(`
      INSERT INTO skill_categories (name, slug, description, skill_count, synced_at)
      VALUES (@name, @slug, @description, @skill_count, @synced_at)
      ON CONFLICT (name) DO UPDATE SET slug = excluded.slug, description = excluded.description,
        skill_count = excluded.skill_count, synced_at = excluded.synced_at`);
    this.countStmt = db.prepare('SELECT COUNT(*) FROM skill_categories').pluck();
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
    this.db
      .prepare(`DELETE FROM skill_categories WHERE name NOT IN (SELECT value FROM json_each(?))`)
      .run(JSON.stringify(names));
  }

  count(): number {
    return this.countStmt.get() as number;
  }
}
