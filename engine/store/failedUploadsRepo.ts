import type { FailedUpload } from '../contracts/localHttpApi.js';
import type { SqlDb } from './sqlDb.js';

/** A failed_rating_uploads row as stored. */
export interface FailedUploadRow {
  id: number;
  rating_id: string;
  error: string;
  attempts: number;
  first_failed_at: string;
  last_attempt_at: string;
  next_retry_at: string | null;
  resolved_at: string | null;
}

/** The dead letter for rating uploads: at most one open row per rating (unique partial index). */
export class FailedUploadsRepo {
  private readonly getStmt;
  private readonly openForRatingStmt;
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly resolveStmt;
  private readonly listStmt;
  private readonly countOpenStmt;
  private readonly dueStmt;
  private readonly openPageStmt;

  constructor(db: SqlDb) {
    this.getStmt = db.prepare('SELECT * FROM failed_rating_uploads WHERE id = ?');
    this.openForRatingStmt = db.prepare('SELECT * FROM failed_rating_uploads WHERE rating_id = ? AND resolved_at IS NULL');
    this.insertStmt = db.prepare(
      `INSERT INTO failed_rating_uploads (rating_id, error, attempts, first_failed_at, last_attempt_at, next_retry_at)
       VALUES (@rating_id, @error, @attempts, @now, @now, @next_retry_at)`,
    );
    this.updateStmt = db.prepare(
      `UPDATE failed_rating_uploads SET error = @error, attempts = @attempts, last_attempt_at = @now, next_retry_at = @next_retry_at
        WHERE id = @id`,
    );
    this.resolveStmt = db.prepare(
      'UPDATE failed_rating_uploads SET resolved_at = ?, next_retry_at = NULL WHERE rating_id = ? AND resolved_at IS NULL',
    );
    this.listStmt = db.prepare(
      `SELECT f.id, f.rating_id, r.skill_id, s.name AS skill_name, r.rating, r.comment, f.error, f.attempts,
              f.first_failed_at, f.last_attempt_at, f.next_retry_at
         FROM failed_rating_uploads f
         JOIN skill_ratings r ON r.id = f.rating_id
         LEFT JOIN community_skills s ON s.skill_id = r.skill_id
        WHERE f.resolved_at IS NULL
        ORDER BY f.id LIMIT ? OFFSET ?`,
    );
    this.countOpenStmt = db.prepare('SELECT COUNT(*) FROM failed_rating_uploads WHERE resolved_at IS NULL').pluck();
    this.dueStmt = db.prepare(
      `SELECT * FROM failed_rating_uploads
        WHERE resolved_at IS NULL AND next_retry_at IS NOT NULL AND next_retry_at <= ? AND id > ?
        ORDER BY id LIMIT ?`,
    );
    this.openPageStmt = db.prepare('SELECT * FROM failed_rating_uploads WHERE resolved_at IS NULL AND id > ? ORDER BY id LIMIT ?');
  }

  get(id: number): FailedUploadRow | undefined {
    return this.getStmt.get(id) as FailedUploadRow | undefined;
  }

  openForRating(ratingId: string): FailedUploadRow | undefined {
    return this.openForRatingStmt.get(ratingId) as FailedUploadRow | undefined;
  }

  /** Opens the rating's dead-letter row, or updates the open one; returns its id. */
  record(ratingId: string, error: string, attempts: number, now: string, nextRetryAt: string | null): number {
    const open = this.openForRating(ratingId);
    if (open) {
      this.updateStmt.run({ id: open.id, error, attempts, now, next_retry_at: nextRetryAt });
      return open.id;
    }
    return Number(this.insertStmt.run({ rating_id: ratingId, error, attempts, now, next_retry_at: nextRetryAt }).lastInsertRowid);
  }

  /** Closes the rating's open row (the upload finally succeeded). */
  resolveForRating(ratingId: string, now: string): boolean {
    return this.resolveStmt.run(now, ratingId).changes > 0;
  }

  list(limit: number, offset: number): FailedUpload[] {
    return this.listStmt.all(limit, offset) as FailedUpload[];
  }

  countOpen(): number {
    return this.countOpenStmt.get() as number;
  }

  /** Open rows whose automatic retry is due, keyset by id. */
  duePage(dueBy: string, afterId: number, limit: number): FailedUploadRow[] {
    return this.dueStmt.all(dueBy, afterId, limit) as FailedUploadRow[];
  }

  /** Every open row, keyset by id (retry-all). */
  openPage(afterId: number, limit: number): FailedUploadRow[] {
    return this.openPageStmt.all(afterId, limit) as FailedUploadRow[];
  }
}
