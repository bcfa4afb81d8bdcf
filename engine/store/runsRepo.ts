import type { SqlDb } from './sqlDb.js';

export type RunResult = 'running' | 'success' | 'failure' | 'cancelled';

export interface RunRow {
  id: number;
  stream: string;
  mode: string;
  started_at: string;
  finished_at: string | null;
  result: RunResult;
  items: number;
  error: string | null;
  error_kind: string | null;
  duration_ms: number | null;
}

export class RunsRepo {
  private readonly startStmt;
  private readonly finishStmt;
  private readonly recentStmt;

  constructor(private readonly db: SqlDb) {
    this.startStmt = db.prepare(`INSERT INTO sync_runs (stream, mode, started_at) VALUES (?, ?, ?)`);
    this.finishStmt = db.prepare(
      `UPDATE sync_runs SET finished_at = @finished_at, result = @result, items = @items, error = @error,
         error_kind = @error_kind, duration_ms = @duration_ms WHERE id = @id`,
    );
    this.recentStmt = db.prepare(
      // The cast gives the parameter a type where it is only tested for NULL (PostgreSQL needs one).
      `SELECT * FROM sync_runs WHERE (CAST(@stream AS TEXT) IS NULL OR stream = @stream) ORDER BY id DESC LIMIT @limit`,
    );
  }

  start(stream: string, mode: string, startedAt: string): number {
    return Number(this.startStmt.run(stream, mode, startedAt).lastInsertRowid);
  }

  finish(
    id: number,
    outcome: { finishedAt: string; result: RunResult; items: number; error?: string | null; errorKind?: string | null; durationMs: number },
  ): void {
    this.finishStmt.run({
      id,
      finished_at: outcome.finishedAt,
      result: outcome.result,
      items: outcome.items,
      error: outcome.error ?? null,
      error_kind: outcome.errorKind ?? null,
      duration_ms: Math.round(outcome.durationMs),
    });
  }

  recent(limit: number, stream: string | null = null): RunRow[] {
    return this.recentStmt.all({ stream, limit }) as RunRow[];
  }

  /** An incremental run that had to list everything is recorded as what it was. */
  setMode(id: number, mode: string): void {
    this.db.prepare('UPDATE sync_runs SET mode = ? WHERE id = ?').run(mode, id);
  }

  /** Runs left `running` by a killed process are closed as cancelled at start-up. */
  closeAbandoned(now: string): number {
    return this.db
      .prepare(`UPDATE sync_runs SET result = 'cancelled', finished_at = ?, error = 'process stopped mid-run' WHERE result = 'running'`)
      .run(now).changes;
  }

  /** Consecutive failed runs of a stream, newest first, stopping at the first success. */
  consecutiveFailures(stream: string): number {
    const rows = this.db
      .prepare(`SELECT result FROM sync_runs WHERE stream = ? AND result IN ('success', 'failure') ORDER BY id DESC LIMIT 50`)
      .pluck()
      .all(stream) as string[];
    let n = 0;
    for (const result of rows) {
      if (result !== 'failure') break;
      n++;
    }
    return n;
  }

  /** When the last full listing of a stream succeeded (null when none is on record). */
  lastFullSuccess(stream: string): string | null {
    return (this.db
      .prepare(`SELECT finished_at FROM sync_runs WHERE stream = ? AND mode = 'full' AND result = 'success' ORDER BY id DESC LIMIT 1`)
      .pluck()
      .get(stream) as string | undefined) ?? null;
  }

  /** Keeps the history bounded. */
  prune(keep: number): void {
    this.db.prepare(`DELETE FROM sync_runs WHERE id <= (SELECT MAX(id) FROM sync_runs) - ?`).run(keep);
  }
}
