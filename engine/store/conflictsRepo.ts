import type { ConflictType, ResolutionStrategy, Severity } from '../contracts/localHttpApi.js';
import type { SqlDb } from './sqlDb.js';

/** A sync_conflicts row as stored (JSON columns as text), with the skill's current name. */
/** What detection writes: a new conflict, or the new state of an open one. */
export interface ConflictState {
  conflict_type: ConflictType;
  severity: Severity;
  base: string | null;
  local: string | null;
  remote: string | null;
  fields: string;
}

export interface ConflictRow extends ConflictState {
  id: number;
  entity_type: string;
  entity_id: string;
  status: 'unresolved' | 'resolved';
  strategy: ResolutionStrategy | null;
  resolution: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  detected_at: string;
  updated_at: string;
  entity_name: string | null;
}

export interface ConflictFilter {
  status: 'unresolved' | 'resolved' | 'all';
  severity?: Severity;
}

const SELECT = `SELECT c.*, s.name AS entity_name FROM sync_conflicts c
  LEFT JOIN community_skills s ON c.entity_type = 'skill' AND s.skill_id = c.entity_id`;

/** Most severe first, then newest. */
const ORDER = `ORDER BY CASE c.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END DESC, c.id DESC`;

function where(filter: ConflictFilter): { sql: string; params: Record<string, string> } {
  const parts: string[] = [];
  const params: Record<string, string> = {};
  if (filter.status !== 'all') {
    parts.push('c.status = @status');
    params.status = filter.status;
  }
  if (filter.severity) {
    parts.push('c.severity = @severity');
    params.severity = filter.severity;
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

export class ConflictsRepo {
  private readonly hasOpenStmt;
  private readonly getOpenStmt;
  private readonly getStmt;
  private readonly latestStmt;
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly resolveStmt;
  private readonly countsStmt;
  private readonly openIdsStmt;

  constructor(private readonly db: SqlDb) {
    this.hasOpenStmt = db
      .prepare("SELECT 1 FROM sync_conflicts WHERE entity_type = ? AND entity_id = ? AND status = 'unresolved'")
      .pluck();
    this.getOpenStmt = db.prepare(`${SELECT} WHERE c.entity_type = ? AND c.entity_id = ? AND c.status = 'unresolved'`);
    this.getStmt = db.prepare(`${SELECT} WHERE c.id = ?`);
    this.latestStmt = db.prepare(`${SELECT} WHERE c.entity_type = ? AND c.entity_id = ? ORDER BY c.id DESC LIMIT 1`);
    this.insertStmt = db.prepare(
      `INSERT INTO sync_conflicts (entity_type, entity_id, conflict_type, severity, base, local, remote, fields, detected_at, updated_at)
       VALUES (@entity_type, @entity_id, @conflict_type, @severity, @base, @local, @remote, @fields, @now, @now)`,
    );
    this.updateStmt = db.prepare(
      `UPDATE sync_conflicts SET conflict_type = @conflict_type, severity = @severity, base = @base, local = @local,
         remote = @remote, fields = @fields, updated_at = @now
       WHERE id = @id AND status = 'unresolved'`,
    );
    this.resolveStmt = db.prepare(
      `UPDATE sync_conflicts SET status = 'resolved', strategy = @strategy, resolution = @resolution,
         resolved_at = @resolved_at, resolved_by = @resolved_by, updated_at = @resolved_at
       WHERE id = @id AND status = 'unresolved'`,
    );
    this.countsStmt = db.prepare("SELECT severity, COUNT(*) AS n FROM sync_conflicts WHERE status = 'unresolved' GROUP BY severity");
    this.openIdsStmt = db
      .prepare("SELECT id FROM sync_conflicts WHERE status = 'unresolved' AND id > ? ORDER BY id LIMIT ?")
      .pluck();
  }

  hasOpen(entityType: string, entityId: string): boolean {
    return this.hasOpenStmt.get(entityType, entityId) !== undefined;
  }

  getOpen(entityType: string, entityId: string): ConflictRow | undefined {
    return this.getOpenStmt.get(entityType, entityId) as ConflictRow | undefined;
  }

  get(id: number): ConflictRow | undefined {
    return this.getStmt.get(id) as ConflictRow | undefined;
  }

  /** The newest conflict ever recorded for an entity, open or not. */
  latest(entityType: string, entityId: string): ConflictRow | undefined {
    return this.latestStmt.get(entityType, entityId) as ConflictRow | undefined;
  }

  insert(entityType: string, entityId: string, state: ConflictState, now: string): number {
    return Number(this.insertStmt.run({ entity_type: entityType, entity_id: entityId, ...state, now }).lastInsertRowid);
  }

  updateOpen(id: number, state: ConflictState, now: string): void {
    this.updateStmt.run({ id, ...state, now });
  }

  /** Closes an open conflict; false when it was not open. */
  markResolved(
    id: number,
    resolution: { strategy: ResolutionStrategy; resolution: string; resolved_at: string; resolved_by: string },
  ): boolean {
    return this.resolveStmt.run({ id, ...resolution }).changes > 0;
  }

  list(filter: ConflictFilter, limit: number, offset: number): ConflictRow[] {
    const w = where(filter);
    return this.db.prepare(`${SELECT} ${w.sql} ${ORDER} LIMIT @limit OFFSET @offset`).all({ ...w.params, limit, offset }) as ConflictRow[];
  }

  count(filter: ConflictFilter): number {
    const w = where(filter);
    return this.db.prepare(`SELECT COUNT(*) FROM sync_conflicts c ${w.sql}`).pluck().get(w.params) as number;
  }

  /** Unresolved conflicts per severity. */
  openBySeverity(): Record<Severity, number> {
    const counts: Record<Severity, number> = { low: 0, medium: 0, high: 0, critical: 0 };
    for (const row of this.countsStmt.all() as Array<{ severity: Severity; n: number }>) counts[row.severity] = row.n;
    return counts;
  }

  /** Unresolved ids after `afterId`, in id order (bulk resolution pages). */
  openIdsAfter(afterId: number, limit: number): number[] {
    return this.openIdsStmt.all(afterId, limit) as number[];
  }
}
