import type { RemoteRating } from '../contracts/remote.js';
import { dialectSql } from './dialectSql.js';
import { writeTransaction, type SqlDb } from './sqlDb.js';

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
  /** When the rating was last changed (not by upload bookkeeping): the remote keeps the newest. */
  updated_at: string;
  /** The newer local row for the same (skill, user) that replaced this one before it was sent. */
  superseded_by: string | null;
}

export interface RatingCounts {
  pending: number;
  uploaded: number;
}

/** Downloaded ratings get this id prefix, so they never collide with a local uuid. */
export const REMOTE_RATING_PREFIX = 'remote:';

/** Values of a pair's uploaded rows read at most: a pair re-rated more often than this is checked against its latest. */
const UPLOADED_VALUES_LIMIT = 8;

/**
 * Ratings, local and remote. Local rows are only ever updated here, never deleted: a rating
 * the remote has not acknowledged must survive anything the engine does. Upload bookkeeping
 * never touches rating or comment of a local row, and moves updated_at only forward (restamp).
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
  private readonly remoteIdStmt;
  private readonly supersedeStmt;
  private readonly newestOfPairStmt;
  private readonly pairRemoteIdStmt;
  private readonly siblingsPageStmt;
  private readonly unsentOfPairStmt;
  private readonly restampStmt;
  private readonly uploadedValuesStmt;
  private readonly sentStmt;
  private readonly unsentStmt;

  constructor(private readonly db: SqlDb) {
    const sql = dialectSql(db.dialect);
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
        WHERE id > @after AND origin = 'local' AND ${sql.unindexed('sync_status')} = 'pending'
          AND (CAST(@due AS TEXT) IS NULL OR next_attempt_at IS NULL OR next_attempt_at <= @due)
        ORDER BY id LIMIT @limit`,
    );
    this.uploadedStmt = db.prepare(
      `UPDATE skill_ratings SET sync_status = 'uploaded', remote_rating_id = @remote_rating_id,
         upload_attempts = upload_attempts + 1, last_upload_error = NULL, next_attempt_at = NULL
       WHERE id = @id AND origin = 'local'`,
    );
    // A download may have fetched our own rating before its acknowledgement was stored.
    this.dropEchoStmt = db.prepare("DELETE FROM skill_ratings WHERE origin = 'remote' AND remote_rating_id = ?");
    this.retryLaterStmt = db.prepare(
      `UPDATE skill_ratings SET upload_attempts = @attempts, last_upload_error = @error,
         next_attempt_at = @next_attempt_at
       WHERE id = @id AND origin = 'local'`,
    );
    this.failedStmt = db.prepare(
      `UPDATE skill_ratings SET sync_status = 'failed', upload_attempts = @attempts, last_upload_error = @error,
         next_attempt_at = NULL
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
    this.aggregateTypeStmt = db
      .prepare(`SELECT ${sql.jsonHoldsNumber('payload', 'average_rating')} FROM community_skills WHERE skill_id = ?`)
      .pluck();
    this.aggregateStmt = db.prepare(
      `SELECT ${sql.averageOf('rating')} AS average, COUNT(*) AS count FROM skill_ratings
        WHERE skill_id = ? AND (origin = 'remote' OR sync_status = 'uploaded') AND superseded_by IS NULL`,
    );
    this.remoteIdStmt = db.prepare("UPDATE skill_ratings SET remote_rating_id = @remote_rating_id WHERE id = @id AND origin = 'local'");
    this.supersedeStmt = db.prepare(
      `UPDATE skill_ratings SET sync_status = 'uploaded', superseded_by = @by, last_upload_error = NULL, next_attempt_at = NULL
        WHERE id = @id AND origin = 'local' AND sync_status <> 'uploaded'`,
    );
    // Newest by instant (mixed-precision ISO text compares right as instants, not as text), then creation, then id.
    this.newestOfPairStmt = db
      .prepare(
        `SELECT id FROM skill_ratings WHERE origin = 'local' AND skill_id = ? AND user_id = ?
          ORDER BY ${sql.descending(sql.instant('updated_at'))}, ${sql.descending(sql.instant('created_at'))}, id DESC LIMIT 1`,
      )
      .pluck();
    this.pairRemoteIdStmt = db
      .prepare(
        `SELECT remote_rating_id FROM skill_ratings WHERE skill_id = ? AND user_id = ? AND remote_rating_id IS NOT NULL
          ORDER BY origin = 'local' DESC LIMIT 1`,
      )
      .pluck();
    // Local rows in one sync_status that share their (skill, user) with another local row, keyset
    // by id along the (sync_status, id) index: one walk over the unsent rows, not the table.
    this.siblingsPageStmt = db.prepare(
      `SELECT o.* FROM skill_ratings o ${sql.indexedBy('skill_ratings_local_pending_id')}
        WHERE o.origin = 'local' AND o.sync_status = @status AND o.id > @after
          AND EXISTS (SELECT 1 FROM skill_ratings n
                       WHERE n.origin = 'local' AND n.skill_id = o.skill_id AND n.user_id = o.user_id AND n.id <> o.id)
        ORDER BY o.id LIMIT @limit`,
    );
    this.unsentOfPairStmt = db.prepare(
      `SELECT * FROM skill_ratings
        WHERE origin = 'local' AND skill_id = ? AND user_id = ? AND ${sql.unindexed('sync_status')} IN ('pending', 'failed')
          AND superseded_by IS NULL`,
    );
    this.restampStmt = db.prepare("UPDATE skill_ratings SET updated_at = @updated_at WHERE id = @id AND origin = 'local'");
    // Superseded rows are marked uploaded without having been sent: they say nothing of the remote.
    // What the remote may hold of ours for a pair: acknowledged values, and values sent (marked
    // before they go, cleared when refused) whose reply was lost or whose row changed since.
    this.uploadedValuesStmt = db.prepare(
      `SELECT rating, comment FROM (
         SELECT rating, comment, updated_at AS at FROM skill_ratings
          WHERE origin = 'local' AND skill_id = @skill_id AND user_id = @user_id AND ${sql.unindexed('sync_status')} = 'uploaded'
            AND superseded_by IS NULL
         UNION ALL
         SELECT sent_rating, sent_comment, updated_at FROM skill_ratings
          WHERE origin = 'local' AND skill_id = @skill_id AND user_id = @user_id AND sent_rating IS NOT NULL
         UNION ALL
         SELECT prior_sent_rating, prior_sent_comment, updated_at FROM skill_ratings
          WHERE origin = 'local' AND skill_id = @skill_id AND user_id = @user_id AND prior_sent_rating IS NOT NULL) AS held
        GROUP BY rating, comment ORDER BY ${sql.descending(`MAX(${sql.instant('at')})`)} LIMIT @limit`,
    );
    // A different value sent from the same row (a re-rating in place) keeps the one before it: the
    // remote may hold that one still (a lost reply, or this one refused as older).
    const differs = `NOT (${sql.same('sent_rating', '@rating')} AND ${sql.same('sent_comment', '@comment')})`;
    this.sentStmt = db.prepare(
      `UPDATE skill_ratings
          SET prior_sent_rating = CASE WHEN sent_rating IS NOT NULL AND ${differs} THEN sent_rating ELSE prior_sent_rating END,
              prior_sent_comment = CASE WHEN sent_rating IS NOT NULL AND ${differs} THEN sent_comment ELSE prior_sent_comment END,
              sent_rating = @rating, sent_comment = @comment
        WHERE id = @id AND origin = 'local'`,
    );
    this.unsentStmt = db.prepare(
      `UPDATE skill_ratings SET sent_rating = NULL, sent_comment = NULL
        WHERE id = ? AND origin = 'local' AND ${sql.same('sent_rating', '?')} AND ${sql.same('sent_comment', '?')}`,
    );
  }

  /** Records the value sent for a rating: the remote may hold it even when no reply came back. */
  markSent(id: string, rating: number, comment: string | null): void {
    this.sentStmt.run({ rating, comment, id });
  }

  /** Forgets a value marked as sent that the remote refused outright: it holds none of it. */
  clearRefused(id: string, rating: number, comment: string | null): void {
    this.unsentStmt.run(id, rating, comment);
  }

  /**
   * Records, before they go, the values about to be sent (one transaction): a process killed
   * after the remote stored one but before its reply was recorded still knows the remote may
   * hold it, so a newer value of the pair is not taken as refused by someone else's write.
   */
  markSending(rows: readonly { id: string; rating: number; comment: string | null }[]): void {
    if (rows.length === 0) return;
    writeTransaction(this.db, () => {
      for (const row of rows) this.sentStmt.run(row.rating, row.comment, row.id);
    });
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

  /** The remote's id for this rating's (skill, user) pair, learned without the upload being done. */
  setRemoteId(id: string, remoteRatingId: string): void {
    this.remoteIdStmt.run({ id, remote_rating_id: remoteRatingId });
    this.dropEchoStmt.run(remoteRatingId);
  }

  /** Marks an unsent row done without sending it: `byId`, newer, carries the pair's value. */
  markSuperseded(id: string, byId: string): boolean {
    return this.supersedeStmt.run({ id, by: byId }).changes > 0;
  }

  /** The newest local row for a (skill, user) pair. */
  newestOfPair(skillId: string, userId: string): string | undefined {
    return this.newestOfPairStmt.get(skillId, userId) as string | undefined;
  }

  /** A remote id already known for the pair (from an earlier local row or a downloaded one). */
  pairRemoteId(skillId: string, userId: string): string | undefined {
    return (this.pairRemoteIdStmt.get(skillId, userId) as string | null | undefined) ?? undefined;
  }

  /** Unsent, not superseded local rows of a (skill, user) pair. */
  unsentOfPair(skillId: string, userId: string): RatingRow[] {
    return this.unsentOfPairStmt.all(skillId, userId) as RatingRow[];
  }

  /** Moves a local row's updated_at (only ever forward, to order it after a write of ours the remote stamped). */
  restamp(id: string, updatedAt: string): void {
    this.restampStmt.run({ id, updated_at: updatedAt });
  }

  /** Distinct rating/comment values of the pair's local rows that were sent and acknowledged, newest first. */
  uploadedValues(skillId: string, userId: string, limit = UPLOADED_VALUES_LIMIT): { rating: number; comment: string | null }[] {
    return this.uploadedValuesStmt.all({ skill_id: skillId, user_id: userId, limit }) as { rating: number; comment: string | null }[];
  }

  /** Local rows in this status that share their pair with another local row, keyset by id. */
  withSiblingsPage(status: 'pending' | 'failed', afterId: string, limit: number): RatingRow[] {
    return this.siblingsPageStmt.all({ status, after: afterId, limit }) as RatingRow[];
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
    const holds = this.aggregateTypeStmt.get(skillId) as number | null | undefined;
    if (holds === undefined) return null;
    return holds === 1;
  }

  /** Average and count over the ratings we hold for a skill that the remote knows about. */
  heldAggregate(skillId: string): { average: number; count: number } {
    const row = this.aggregateStmt.get(skillId) as { average: number | null; count: number };
    return { average: row.average ?? 0, count: row.count };
  }
}
