/**
 * The local Atom app as the engine sees it: another connection to atom_dev.db that inserts
 * ratings (origin local, pending) and edits cached skills with plain SQL, the way Atom does.
 * The local-edit trigger marks edited rows, so a later remote change becomes a conflict.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';

export interface LocalSkillRow {
  skill_id: string;
  name: string;
  description: string | null;
  version: string | null;
  remote_updated_at: string | null;
  local_modified_at: string | null;
}

export class LocalAtom {
  readonly db: Database.Database;

  /** busy timeout 5 s, as Python's sqlite3 (the Atom backend) waits by default. */
  constructor(dbPath: string, options: { readonly?: boolean } = {}) {
    this.db = new Database(dbPath, { readonly: options.readonly ?? false, fileMustExist: true, timeout: 5_000 });
  }

  /** Inserts one pending local rating per skill id, each by a new user, in one transaction; returns the new rating ids. */
  addRatings(skillIds: readonly string[], tag: string): string[] {
    const insert = this.db.prepare(
      `INSERT INTO skill_ratings (id, skill_id, user_id, rating, comment, origin, sync_status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'local', 'pending', ?, ?)`,
    );
    const ids: string[] = [];
    this.db.transaction(() => {
      skillIds.forEach((skillId, n) => {
        const id = randomUUID();
        const now = new Date().toISOString();
        // A user of its own per rating: one rating per (skill, user), so a repeat would be a re-rating.
        insert.run(id, skillId, `local-user-${id.slice(0, 8)}`, 1 + (n % 5), `${tag} ${id}`, now, now);
        ids.push(id);
      });
    })();
    return ids;
  }

  /** Edits the description of each skill (the trigger sets local_modified_at); returns the ids that existed. */
  editSkills(skillIds: readonly string[], description: (skillId: string) => string): string[] {
    const update = this.db.prepare('UPDATE community_skills SET description = ? WHERE skill_id = ?');
    const edited: string[] = [];
    this.db.transaction(() => {
      for (const id of skillIds) if (update.run(description(id), id).changes === 1) edited.push(id);
    })();
    return edited;
  }

  /** Last rating write time handed out, so two writes never share a millisecond (a person cannot rate twice in one). */
  private lastRatingWriteMs = 0;

  private ratingWriteStamp(): string {
    this.lastRatingWriteMs = Math.max(Date.now(), this.lastRatingWriteMs + 1);
    return new Date(this.lastRatingWriteMs).toISOString();
  }

  /** Inserts one pending local rating by `userId` (a new row, also when that user rated the skill before); returns its id. */
  addRating(skillId: string, userId: string, rating: number, comment: string | null): string {
    const id = randomUUID();
    const now = this.ratingWriteStamp();
    this.db
      .prepare(
        `INSERT INTO skill_ratings (id, skill_id, user_id, rating, comment, origin, sync_status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'local', 'pending', ?, ?)`,
      )
      .run(id, skillId, userId, rating, comment, now, now);
    return id;
  }

  /** Changes an existing local rating in place, as the Atom app does when a user re-rates (it knows nothing of sync columns). */
  updateRating(id: string, rating: number, comment: string | null): boolean {
    const now = this.ratingWriteStamp();
    return this.db.prepare("UPDATE skill_ratings SET rating = ?, comment = ?, updated_at = ? WHERE id = ? AND origin = 'local'").run(rating, comment, now, id).changes === 1;
  }

  /** Edits the `code` field inside the cached payload (a critical field; the trigger marks the row); returns whether the row existed. */
  editCode(skillId: string, code: string): boolean {
    return this.db.prepare("UPDATE community_skills SET payload = json_set(payload, '$.code', ?) WHERE skill_id = ?").run(code, skillId).changes === 1;
  }

  skills(): Map<string, LocalSkillRow> {
    const rows = this.db
      .prepare('SELECT skill_id, name, description, version, remote_updated_at, local_modified_at FROM community_skills WHERE deleted_at IS NULL')
      .all() as LocalSkillRow[];
    return new Map(rows.map((r) => [r.skill_id, r]));
  }

  /** Ids of cached skills with no local edit and no open conflict, for picking targets. */
  cleanSkillIds(): string[] {
    return this.db
      .prepare(
        `SELECT skill_id FROM community_skills WHERE local_modified_at IS NULL AND deleted_at IS NULL
           AND skill_id NOT IN (SELECT entity_id FROM sync_conflicts WHERE status = 'unresolved') ORDER BY skill_id`,
      )
      .pluck()
      .all() as string[];
  }

  pendingLocalRatings(): number {
    return this.db.prepare("SELECT COUNT(*) FROM skill_ratings WHERE origin = 'local' AND sync_status <> 'uploaded'").pluck().get() as number;
  }

  integrity(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  close(): void {
    this.db.close();
  }
}
