import type { SqlDb } from './sqlDb.js';
import { EmptyTableHint } from './emptyTableHint.js';

/**
 * Remote deletions with the remote time they happened, so a listing page or frame that carries an
 * older version of a deleted skill (fetched before the deletion, written after) is not applied.
 */
export class TombstonesRepo {
  private readonly getStmt;
  private readonly putStmt;
  private readonly clearStmt;
  private readonly pruneStmt;
  private readonly listedThenDeletedStmt;
  private readonly hint;

  constructor(db: SqlDb) {
    const any = db.prepare('SELECT EXISTS (SELECT 1 FROM skill_tombstones)').pluck();
    this.hint = new EmptyTableHint(() => any.get() === 1);
    this.getStmt = db.prepare('SELECT deleted_at FROM skill_tombstones WHERE skill_id = ?').pluck();
    this.putStmt = db.prepare(
      `INSERT INTO skill_tombstones (skill_id, deleted_at, recorded_at, listed_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (skill_id) DO UPDATE SET deleted_at = excluded.deleted_at, recorded_at = excluded.recorded_at, listed_at = excluded.listed_at`,
    );
    this.clearStmt = db.prepare('DELETE FROM skill_tombstones WHERE skill_id = ?');
    this.pruneStmt = db.prepare('DELETE FROM skill_tombstones WHERE recorded_at < ?');
    this.listedThenDeletedStmt = db.prepare('SELECT COUNT(*) FROM skill_tombstones WHERE recorded_at >= ? AND listed_at >= ?').pluck();
  }

  /** When the remote deleted this skill, if we know it was deleted. */
  deletedAt(skillId: string): string | undefined {
    if (!this.hint.mayHaveRows()) return undefined;
    const at = this.getStmt.get(skillId) as string | undefined;
    if (at === undefined) this.hint.noteMiss();
    return at;
  }

  /** `listedAt`: when the row was last listed or seen (its synced_at), null when it was not cached. */
  record(skillId: string, deletedAt: string, now: string, listedAt: string | null = null): void {
    this.hint.noteWrite();
    this.putStmt.run(skillId, deletedAt, now, listedAt);
  }

  clear(skillId: string): void {
    if (this.hint.mayHaveRows()) this.clearStmt.run(skillId);
  }

  /**
   * Rows listed since `since` (a local stamp) and deleted after: a deletion behind a listing's
   * offset, which shifts its later pages back. One ahead of it, or before it began, shifts nothing.
   */
  countListedThenDeleted(since: string): number {
    return this.listedThenDeletedStmt.get(since, since) as number;
  }

  /** Tombstones recorded before `before` can no longer meet a page fetched ahead of them. */
  prune(before: string): number {
    return this.pruneStmt.run(before).changes;
  }
}
