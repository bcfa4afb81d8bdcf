import type { RemoteSkill } from '../contracts/remote.js';
import { dialectSql } from './dialectSql.js';
import type { SqlDb } from './sqlDb.js';

/** A community_skills row as stored. */
export interface SkillRow {
  skill_id: string;
  name: string;
  description: string | null;
  version: string | null;
  category: string | null;
  skill_type: string | null;
  author: string | null;
  tags: string;
  payload: string;
  average_rating: number;
  rating_count: number;
  remote_updated_at: string | null;
  base_payload: string | null;
  local_modified_at: string | null;
  synced_at: string;
  deleted_at: string | null;
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : value === undefined || value === null ? null : String(value);
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export interface SkillProbe {
  version: string | null;
  local_modified_at: string | null;
  remote_updated_at: string | null;
  synced_at: string;
  same: number;
}

export class SkillsRepo {
  private readonly upsertStmt;
  private readonly getStmt;
  private readonly deleteStmt;
  private readonly touchStmt;
  private readonly countStmt;
  private readonly keepLocalStmt;
  private readonly ratingStmt;
  private readonly staleStmt;
  private readonly seenStmt;

  private readonly probeStmt;

  constructor(private readonly db: SqlDb) {
    const sql = dialectSql(db.dialect);
    this.probeStmt = db.prepare(
      `SELECT version, local_modified_at, remote_updated_at, synced_at, ${sql.same('payload', '?')} AS same FROM community_skills WHERE skill_id = ?`,
    );
    // Rows the local Atom modified are left alone here: the conflict path decides what happens to them.
    this.upsertStmt = db.prepare(`
      INSERT INTO community_skills (skill_id, name, description, version, category, skill_type, author, tags,
        payload, average_rating, rating_count, remote_updated_at, base_payload, local_modified_at, synced_at, deleted_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, NULL)
      ON CONFLICT (skill_id) DO UPDATE SET
        name = excluded.name, description = excluded.description, version = excluded.version,
        category = excluded.category, skill_type = excluded.skill_type, author = excluded.author,
        tags = excluded.tags, payload = excluded.payload, average_rating = excluded.average_rating,
        rating_count = excluded.rating_count, remote_updated_at = excluded.remote_updated_at,
        base_payload = NULL, local_modified_at = NULL, synced_at = excluded.synced_at,
        deleted_at = NULL
      WHERE community_skills.local_modified_at IS NULL`);
    this.getStmt = db.prepare('SELECT * FROM community_skills WHERE skill_id = ?');
    this.deleteStmt = db.prepare('DELETE FROM community_skills WHERE skill_id = ? AND local_modified_at IS NULL');
    this.touchStmt = db.prepare('UPDATE community_skills SET synced_at = ? WHERE skill_id = ?');
    this.countStmt = db.prepare('SELECT COUNT(*) AS n FROM community_skills WHERE deleted_at IS NULL').pluck();
    this.keepLocalStmt = db.prepare(
      `UPDATE community_skills SET base_payload = @base_payload, remote_updated_at = @remote_updated_at,
         synced_at = @synced_at WHERE skill_id = @skill_id`,
    );
    this.ratingStmt = db.prepare(
      // synced_at stays: an aggregate change is not a sighting of the skill by a listing.
      'UPDATE community_skills SET average_rating = ?, rating_count = ? WHERE skill_id = ?',
    );
    // A bounded stretch of the key range, each row flagged: no index on synced_at (every sync
    // rewrites it, so it would cost every upsert), and no single query walks the whole table.
    this.staleStmt = db.prepare(
      `SELECT skill_id, (synced_at < ? AND deleted_at IS NULL) AS stale
         FROM community_skills WHERE skill_id > ? ORDER BY skill_id LIMIT ?`,
    );
    this.seenStmt = db.prepare('SELECT COUNT(*) FROM community_skills WHERE synced_at >= ? AND deleted_at IS NULL').pluck();
  }

  /**
   * Writes a remote skill unless the local Atom modified the row.
   * Returns false when the row is locally modified (nothing written).
   */
  upsertRemote(skill: RemoteSkill, syncedAt: string, payloadJson: string = JSON.stringify(skill)): boolean {
    // Positional: the hot statement of every listing, bound in toRowParams' key order.
    const info = this.upsertStmt.run(Object.values(toRowParams(skill, syncedAt, payloadJson)));
    return info.changes > 0;
  }

  /** What deciding on a remote change needs; `same` is 1 when the stored payload equals `payloadJson`. */
  probe(skillId: string, payloadJson: string | null): SkillProbe | undefined {
    return this.probeStmt.get(payloadJson, skillId) as SkillProbe | undefined;
  }

  get(skillId: string): SkillRow | undefined {
    return this.getStmt.get(skillId) as SkillRow | undefined;
  }

  /** Deletes an unmodified row; returns false if it is locally modified or absent. */
  deleteUnmodified(skillId: string): boolean {
    return this.deleteStmt.run(skillId).changes > 0;
  }

  /** Marks a row as seen by a full listing without touching its content. */
  touch(skillId: string, syncedAt: string): void {
    this.touchStmt.run(syncedAt, skillId);
  }

  /** Keeps the local content but records a new agreed base (after local_wins, or an auto-merge). */
  setBase(skillId: string, base: RemoteSkill, syncedAt: string): void {
    this.keepLocalStmt.run({
      skill_id: skillId,
      base_payload: JSON.stringify(base),
      remote_updated_at: str(base.updated_at),
      synced_at: syncedAt,
    });
  }

  /** Writes content unconditionally (conflict resolution), with the agreed base and modification mark given. */
  writeResolved(skill: RemoteSkill, base: RemoteSkill, localModifiedAt: string | null, syncedAt: string): void {
    const params = toRowParams(skill, syncedAt);
    this.db
      .prepare(
        `INSERT INTO community_skills (skill_id, name, description, version, category, skill_type, author, tags,
           payload, average_rating, rating_count, remote_updated_at, base_payload, local_modified_at, synced_at, deleted_at)
         VALUES (@skill_id, @name, @description, @version, @category, @skill_type, @author, @tags,
           @payload, @average_rating, @rating_count, @remote_updated_at, @base_payload, @local_modified_at, @synced_at, NULL)
         ON CONFLICT (skill_id) DO UPDATE SET
           name = excluded.name, description = excluded.description, version = excluded.version,
           category = excluded.category, skill_type = excluded.skill_type, author = excluded.author,
           tags = excluded.tags, payload = excluded.payload, average_rating = excluded.average_rating,
           rating_count = excluded.rating_count, remote_updated_at = excluded.remote_updated_at,
           base_payload = excluded.base_payload, local_modified_at = excluded.local_modified_at,
           synced_at = excluded.synced_at, deleted_at = NULL`,
      )
      .run({
        ...params,
        remote_updated_at: str(base.updated_at),
        base_payload: JSON.stringify(base),
        local_modified_at: localModifiedAt,
      });
  }

  /** Removes a row whatever its state (conflict resolved as remote_wins on a remote deletion). */
  deleteAny(skillId: string): void {
    this.db.prepare('DELETE FROM community_skills WHERE skill_id = ?').run(skillId);
  }

  setRating(skillId: string, averageRating: number, ratingCount: number): boolean {
    return this.ratingStmt.run(averageRating, ratingCount, skillId).changes > 0;
  }

  count(): number {
    return this.countStmt.get() as number;
  }

  /**
   * Scans the next `limit` rows after `afterId` and returns those not written since `before`
   * (locally modified or not), with the last id scanned (null at the end of the table) to continue from.
   */
  scanNotSeenSince(before: string, afterId: string, limit: number): { ids: string[]; lastId: string | null } {
    const rows = this.staleStmt.all(before, afterId, limit) as Array<{ skill_id: string; stale: number }>;
    return { ids: rows.filter((r) => r.stale === 1).map((r) => r.skill_id), lastId: rows.length > 0 ? rows[rows.length - 1]!.skill_id : null };
  }

  /** Rows written (listed, or touched as seen) since `since`. */
  countSeenSince(since: string): number {
    return this.seenStmt.get(since) as number;
  }
}

function toRowParams(skill: RemoteSkill, syncedAt: string, payloadJson: string = JSON.stringify(skill)) {
  return {
    skill_id: skill.skill_id,
    name: skill.name,
    description: str(skill.description),
    version: str(skill.version),
    category: str(skill.category),
    skill_type: str(skill.skill_type),
    author: str(skill.author),
    tags: JSON.stringify(Array.isArray(skill.tags) ? skill.tags : []),
    payload: payloadJson,
    average_rating: num(skill.average_rating),
    rating_count: Math.trunc(num(skill.rating_count)),
    remote_updated_at: str(skill.updated_at),
    synced_at: syncedAt,
  };
}
