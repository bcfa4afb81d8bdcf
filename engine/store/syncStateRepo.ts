import { dialectSql } from './dialectSql.js';
import type { SqlDb } from './sqlDb.js';

export type Stream = 'skills' | 'categories' | 'ratings' | 'websocket';

export interface SyncStateRow {
  stream: Stream;
  status: string;
  last_sync: string | null;
  last_attempt: string | null;
  cursor: string | null;
  last_error: string | null;
  items_synced: number;
  updated_at: string;
  resume: string | null;
}

/** One row per stream; every write is an upsert so the runbook's `DELETE FROM sync_state` is always safe. */
export class SyncStateRepo {
  private readonly getStmt;
  private readonly ensureStmt;

  constructor(private readonly db: SqlDb) {
    this.getStmt = db.prepare('SELECT * FROM sync_state WHERE stream = ?');
    this.ensureStmt = db.prepare(
      `INSERT INTO sync_state (stream, status, updated_at) VALUES (?, 'idle', ?) ON CONFLICT (stream) DO NOTHING`,
    );
  }

  get(stream: Stream): SyncStateRow | undefined {
    return this.getStmt.get(stream) as SyncStateRow | undefined;
  }

  private update(stream: Stream, now: string, sets: Record<string, unknown>): void {
    this.ensureStmt.run(stream, now);
    const keys = Object.keys(sets);
    if (keys.length === 0) return;
    const assignments = keys.map((k) => `${k} = @${k}`).join(', ');
    this.db
      .prepare(`UPDATE sync_state SET ${assignments}, updated_at = @updated_at WHERE stream = @stream`)
      .run({ ...sets, updated_at: now, stream });
  }

  markAttempt(stream: Stream, now: string): void {
    this.update(stream, now, { status: 'syncing', last_attempt: now });
  }

  /** Called inside a batch's transaction: the cursor moves with the rows it covers. */
  saveProgress(stream: Stream, now: string, progress: { cursor?: string | null; resume?: string | null; items?: number }): void {
    const sets: Record<string, unknown> = {};
    if (progress.cursor !== undefined) sets.cursor = progress.cursor;
    if (progress.resume !== undefined) sets.resume = progress.resume;
    if (progress.items !== undefined) sets.items_synced = progress.items;
    this.update(stream, now, sets);
  }

  markSuccess(stream: Stream, now: string, items: number, cursor?: string | null): void {
    const sets: Record<string, unknown> = { status: 'idle', last_sync: now, last_error: null, items_synced: items, resume: null };
    if (cursor !== undefined) sets.cursor = cursor;
    this.update(stream, now, sets);
  }

  markFailure(stream: Stream, now: string, error: string): void {
    this.update(stream, now, { status: 'failed', last_error: error });
  }

  setStatus(stream: Stream, now: string, status: string): void {
    this.update(stream, now, { status });
  }

  all(): SyncStateRow[] {
    return this.db.prepare('SELECT * FROM sync_state ORDER BY stream').all() as SyncStateRow[];
  }

  /** The schema version the database records (SQLite's user_version, PostgreSQL's schema_migrations), for diagnostics. */
  schemaVersion(): number {
    return this.db.prepare(dialectSql(this.db.dialect).schemaVersion).pluck().get() as number;
  }
}
