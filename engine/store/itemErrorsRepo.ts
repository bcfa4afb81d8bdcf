import type { SqlDb } from './sqlDb.js';
import { EmptyTableHint } from './emptyTableHint.js';
import type { Stream } from './syncStateRepo.js';

/** A remote item skipped as invalid: listed for operators and tried again on the next run. */
export interface ItemErrorRow {
  stream: Stream;
  item_id: string;
  reason: string;
  attempts: number;
  first_seen_at: string;
  last_seen_at: string;
}

export class ItemErrorsRepo {
  private readonly recordStmt;
  private readonly clearStmt;
  private readonly pageStmt;
  private readonly countStmt;
  private readonly hint;

  constructor(db: SqlDb) {
    const any = db.prepare('SELECT EXISTS (SELECT 1 FROM sync_item_errors)').pluck();
    this.hint = new EmptyTableHint(() => any.get() === 1);
    this.recordStmt = db.prepare(
      `INSERT INTO sync_item_errors (stream, item_id, reason, attempts, first_seen_at, last_seen_at) VALUES (?, ?, ?, 1, ?, ?)
       ON CONFLICT (stream, item_id) DO UPDATE SET reason = excluded.reason, attempts = sync_item_errors.attempts + 1, last_seen_at = excluded.last_seen_at`,
    );
    this.clearStmt = db.prepare('DELETE FROM sync_item_errors WHERE stream = ? AND item_id = ?');
    this.pageStmt = db.prepare('SELECT * FROM sync_item_errors WHERE stream = ? AND item_id > ? ORDER BY item_id LIMIT ?');
    this.countStmt = db.prepare('SELECT COUNT(*) FROM sync_item_errors WHERE stream = ?').pluck();
  }

  record(stream: Stream, itemId: string, reason: string, now: string): void {
    this.hint.noteWrite();
    this.recordStmt.run(stream, itemId, reason, now, now);
  }

  /** True when the item had been listed as invalid. */
  clear(stream: Stream, itemId: string): boolean {
    if (!this.hint.mayHaveRows()) return false;
    const cleared = this.clearStmt.run(stream, itemId).changes > 0;
    if (!cleared) this.hint.noteMiss();
    return cleared;
  }

  page(stream: Stream, afterId: string, limit: number): ItemErrorRow[] {
    return this.pageStmt.all(stream, afterId, limit) as ItemErrorRow[];
  }

  count(stream: Stream): number {
    return this.countStmt.get(stream) as number;
  }
}
