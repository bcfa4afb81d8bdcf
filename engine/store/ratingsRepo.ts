import type { RemoteRating } from '../contracts/remote.js';
import type { Db } from './database.js';

/** A skill_ratings row as stored. */
export interface RatingRow {
  id: string;
  skill_id: string;
  user_id: string;
  rating: number;
  comment: string | null;
  origin: 'local' | 'remote';
  sync_status: 'pending' | 'uploaded' | 'failed';
  remote_rating_id: string | null;
  upload_attempts: number;
  last_upload_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface RatingCounts {
  pending: number;
  uploaded: number;
}

/** Downloaded ratings get this id prefix, so they never collide with a local uuid. */
export const REMOTE_RATING_PREFIX = 'remote:';

/**
 * Ratings, local and remote. Local rows are only ever updated here, never deleted: a rating
 * the remote has not acknowledged must survive anything the engine does.
 */
export class RatingsRepo {
  private readonly insertLocalStmt;
  private readonly getStmt;
  private readonly pendingStmt;
  private readonly uploadedStmt;
  private readonly dropEchoStmt;
  private readonly retryLaterStmt;
  private readonly failedStmt;
  private readonly countPendingStmt;
  private readonly countUploadedStmt;
  private readonly upsertRemoteStmt;
  private readonly aggregateTypeStmt;
  private readonly aggregateStmt;

  constructor(private readonly db: Db) {
    this.insertLocalStmt = db.prepare(
      `INSERT INTO skill_ratings (id, skill_id, user_id, rating, comment, origin, sync_status, created_at, updated_at)
       VALUES (@id, @skill_id, @user_id, @rating, @comment, 'local', 'pending', @now, @now)`,
    );
    this.getStmt = db.prepare('SELECT * FROM skill_ratings WHERE id = ?');
    // Keyset page in id order; @due NULL means "whatever next_attempt_at says". The unary + keeps
    // SQLite on the primary-key index (a walk from @after, no sort) instead of collecting and
    // sorting every pending row for each page.
    this.pendingStmt = db.prepare(
      `SELECT * FROM skill_ratings
        WHERE id > @after AND origin = 'local' AND +sync_status = 'pending'
          AND (@due IS NULL OR next_attempt_at IS NULL OR next_attempt_at <= @due)
        ORDER BY id LIMIT @limit`,
    );
    this.uploadedStmt = db.prepare(
      `UPDATE skill_ratings SET sync_status = 'uploaded', remote_rating_id = @remote_rating_id,
         upload_attempts = upload_attempts + 1, last_upload_error = NULL, next_attempt_at = NULL, updated_at = @now
       WHERE id = @id AND origin = 'local'`,
    );
    // A download may have fetched our own rating before its acknowledgement was stored.
    this.dropEchoStmt = db.prepare("DELETE FROM skill_ratings WHERE origin = 'remote' AND remote_rating_id = ?");
    this.retryLaterStmt = db.prepare(
      `UPDATE skill_ratings SET upload_attempts = @attempts, last_upload_error = @error,
         next_attempt_at = @next_attempt_at, updated_at = @now
       WHERE id = @id AND origin = 'local'`,
    );
    this.failedStmt = db.prepare(
      `UPDATE skill_ratings SET sync_status = 'failed', upload_attempts = @attempts, last_upload_error = @error,
         next_attempt_at = NULL, updated_at = @now
       WHERE id = @id AND origin = 'local'`,
    );
    this.countPendingStmt = db.prepare("SELECT COUNT(*) FROM skill_ratings WHERE origin = 'local' AND sync_status = 'pending'").pluck();
    this.countUploadedStmt = db.prepare("SELECT COUNT(*) FROM skill_ratings WHERE origin = 'local' AND sync_status = 'uploaded'").pluck();
    this.upsertRemoteStmt = db.prepare(
      `INSERT INTO skill_ratings (id, skill_id, user_id, rating, comment, origin, sync_status, remote_rating_id, created_at, updated_at)
       VALUES (@id, @skill_id, @user_id, @rating, @comment, 'remote', 'uploaded', @rating_id, @created_at, @updated_at)
       ON CONFLICT (id) DO UPDATE SET skill_id = excluded.skill_id, user_id = excluded.user_id, rating = excluded.rating,
         comment = excluded.comment, updated_at = excluded.updated_at`,
    );
    this.aggregateTypeStmt = db.prepare("SELECT json_type(payload, '$.average_rating') FROM community_skills WHERE skill_id = ?").pluck();
    this.aggregateStmt = db.prepare(
      `SELECT AVG(rating) AS average, COUNT(*) AS count FROM skill_ratings
        WHERE skill_id = ? AND (origin = 'remote' OR sync_status = 'uploaded')`,
    );
  }

  insertLocal(input: { id: string; skill_id: string; user_id: string; rating: number; comment: string | null; now: string }): void {
    this.insertLocalStmt.run(input);
  }

  get(id: string): RatingRow | undefined {
    return this.getStmt.get(id) as RatingRow | undefined;
  }

  /** Pending local ratings after `afterId` in id order; `dueBy` null ignores the backoff. */
  pendingPage(afterId: string, limit: number, dueBy: string | null): RatingRow[] {
    return this.pendingStmt.all({ after: afterId, limit, due: dueBy }) as RatingRow[];
  }

  markUploaded(id: string, remoteRatingId: string | null, now: string): void {
    this.uploadedStmt.run({ id, remote_rating_id: remoteRatingId, now });
    if (remoteRatingId !== null) this.dropEchoStmt.run(remoteRatingId);
  }

  /** A transient failure: stays pending (or failed, for a dead letter) until `nextAttemptAt`. */
  markRetryLater(id: string, attempts: number, error: string, nextAttemptAt: string | null, now: string): void {
    this.retryLaterStmt.run({ id, attempts, error, next_attempt_at: nextAttemptAt, now });
  }

  markFailed(id: string, attempts: number, error: string, now: string): void {
    this.failedStmt.run({ id, attempts, error, now });
  }

  pendingCount(): number {
    return this.countPendingStmt.get() as number;
  }

  counts(): RatingCounts {
    return { pending: this.countPendingStmt.get() as number, uploaded: this.countUploadedStmt.get() as number };
  }

  /** Which of these remote ids are acknowledgements of our own uploads. */
  ownRemoteIds(remoteIds: readonly string[]): Set<string> {
    if (remoteIds.length === 0) return new Set();
    const marks = remoteIds.map(() => '?').join(',');
    const rows = this.db
      .prepare(`SELECT remote_rating_id FROM skill_ratings WHERE origin = 'local' AND remote_rating_id IN (${marks})`)
      .pluck()
      .all(...remoteIds) as string[];
    return new Set(rows);
  }

  /** Stores (or refreshes) another user's rating under `remote:<rating_id>`. */
  upsertRemote(rating: RemoteRating): void {
    this.upsertRemoteStmt.run({
      id: `${REMOTE_RATING_PREFIX}${rating.rating_id}`,
      skill_id: rating.skill_id,
      user_id: rating.user_id,
      rating: rating.rating,
      comment: rating.comment,
      rating_id: rating.rating_id,
      created_at: rating.created_at || rating.updated_at,
      updated_at: rating.updated_at || rating.created_at,
    });
  }

  /**
   * Whether the cached skill's payload carries the remote's own aggregate:
   * true/false, or null when the skill is not cached.
   */
  skillHasRemoteAggregate(skillId: string): boolean | null {
    const type = this.aggregateTypeStmt.get(skillId) as string | null | undefined;
    if (type === undefined) return null;
    return type === 'integer' || type === 'real';
  }

  /** Average and count over the ratings we hold for a skill that the remote knows about. */
  heldAggregate(skillId: string): { average: number; count: number } {
    const row = this.aggregateStmt.get(skillId) as { average: number | null; count: number };
    return { average: row.average ?? 0, count: row.count };
  }
}
