/**
 * Conflicts between local edits and remote changes: detection (called by the catalogue sync
 * inside its batch transaction), listing, and resolution by a person or a configured strategy.
 */
import type { Clock } from '../clock.js';
import { isoNow } from '../clock.js';
import type { ConflictStrategySetting } from '../config/config.js';
import {
  RESOLUTION_STRATEGIES,
  type BulkResolveResponse,
  type ConflictCounts,
  type ConflictDetail,
  type ConflictListResponse,
  type ResolutionStrategy,
  type ResolveBody,
  type ResolveResponse,
  type Severity,
} from '../contracts/localHttpApi.js';
import type { RemoteSkill } from '../contracts/remote.js';
import { badRequest, EngineError, errorMessage, notFound } from '../errors.js';
import type { EngineEvents } from '../events.js';
import type { Logger } from '../log/index.js';
import type { ConflictDetector } from '../services.js';
import type { ConflictRow, ConflictsRepo, ConflictState } from '../store/conflictsRepo.js';
import type { Repos } from '../store/repos.js';
import type { SkillRow, SkillsRepo } from '../store/skillsRepo.js';
import { createStamper } from '../store/stamp.js';
import { decideDelete, decideUpdate, type ConflictFound } from './conflictDetection.js';
import { toDetail, toSummary } from './conflictViews.js';
import { applyResolution, type ResolutionDeps } from './resolutionApplier.js';

export interface ConflictServiceDeps {
  repos: Pick<Repos, 'conflicts' | 'skills' | 'transact'>;
  events: EngineEvents;
  clock: Clock;
  log: Logger;
  /** `manual` leaves conflicts open; another strategy resolves each one as it is detected. */
  strategy: ConflictStrategySetting;
  /** Whether that strategy may also resolve critical conflicts and version downgrades. */
  autoCritical?: boolean;
}

const ENTITY = 'skill';
const BULK_PAGE = 200;

/** `candidate`, or 1 ms past the row's synced_at when not later (the local-edit trigger compares them). */
function stampAfter(candidate: string, row: SkillRow | undefined): string {
  if (!row || candidate > row.synced_at) return candidate;
  return new Date(Date.parse(row.synced_at) + 1).toISOString();
}

/** Runs inside the store worker: detection within the sync's transactions, and resolutions as units of work. */
export class ConflictResolutionService implements ConflictDetector {
  private readonly repo: ConflictsRepo;
  private readonly skills: SkillsRepo;
  private readonly stamper: () => string;
  private strategy: ConflictStrategySetting;
  private autoCritical: boolean;

  constructor(private readonly deps: ConflictServiceDeps) {
    this.repo = deps.repos.conflicts;
    this.skills = deps.repos.skills;
    this.strategy = deps.strategy;
    this.autoCritical = deps.autoCritical ?? false;
    this.stamper = createStamper(() => deps.clock.now());
  }

  // ---- detection (inside the caller's transaction) ----

  hasOpen(skillId: string): boolean {
    return this.repo.hasOpen(ENTITY, skillId);
  }

  onRemoteUpdate(row: SkillRow, remote: RemoteSkill, now: string): 'conflict' | 'merged' | 'applied' {
    const open = this.repo.getOpen(ENTITY, row.skill_id);
    const decision = decideUpdate(row, remote, open, now);
    if (decision.kind === 'unchanged') return open ? 'conflict' : 'merged';
    if (decision.kind === 'merge') {
      if (!open) {
        this.skills.writeResolved(decision.merged as RemoteSkill, remote, decision.localModifiedAt, stampAfter(now, row));
        return 'merged';
      }
      // The newer remote no longer clashes: the open conflict closes itself with a clean merge.
      this.repo.updateOpen(open.id, { ...stateOf(open), remote: JSON.stringify(remote), fields: '[]' }, now);
      this.resolveWithin(open.id, 'merge', 'auto-merge', now);
      this.emitCounts();
      return 'merged';
    }
    const id = this.record(row.skill_id, open, decision.state, decision.clashes, now);
    const auto = this.autoResolve(id, decision, now);
    this.emitCounts();
    return auto === 'remote_wins' ? 'applied' : auto ? 'merged' : 'conflict';
  }

  onRemoteDelete(row: SkillRow, now: string): 'conflict' | 'deleted' {
    const open = this.repo.getOpen(ENTITY, row.skill_id);
    const decision = decideDelete(row, open, open ? undefined : this.repo.latest(ENTITY, row.skill_id));
    if (decision.kind === 'unchanged') return 'conflict';
    const id = this.record(row.skill_id, open, decision.state, [], now);
    const auto = this.autoResolve(id, { clashes: [], state: decision.state, localSeverity: decision.state.severity }, now);
    this.emitCounts();
    return auto === 'remote_wins' ? 'deleted' : 'conflict';
  }

  private record(skillId: string, open: ConflictRow | undefined, state: ConflictState, clashes: string[], now: string): number {
    const created = !open;
    const id = open ? open.id : this.repo.insert(ENTITY, skillId, state, now);
    if (open) this.repo.updateOpen(open.id, state, now);
    this.deps.events.emit('conflict.detected', { id, entity_id: skillId, severity: state.severity, conflict_type: state.conflict_type, created });
    this.deps.log.warn(created ? 'conflict detected' : 'conflict updated by a newer remote change', {
      id,
      skill_id: skillId,
      conflict_type: state.conflict_type,
      severity: state.severity,
      fields: clashes.length ? clashes.join(',') : undefined,
    });
    return id;
  }

  /** A settings change: conflicts detected from now on follow the new strategy. */
  setStrategy(strategy: ConflictStrategySetting, autoCritical: boolean): void {
    this.strategy = strategy;
    this.autoCritical = autoCritical;
  }

  /**
   * Applies the configured strategy at once. A merge with clashes (or after a deletion) stays
   * open, and so does anything that would apply a version downgrade or throw away a critical local
   * edit (code, command, local_files), unless the operator opted in (ATOM_SAAS_CONFLICT_AUTO_CRITICAL).
   */
  private autoResolve(id: number, found: Pick<ConflictFound, 'clashes' | 'state' | 'localSeverity'>, now: string): ResolutionStrategy | null {
    const strategy = this.strategy;
    const deletion = found.state.conflict_type === 'deleted_remotely';
    if (strategy === 'manual' || (strategy === 'merge' && (found.clashes.length > 0 || deletion))) return null;
    if (!this.autoCritical && strategy !== 'local_wins') {
      const critical = found.state.severity === 'critical' || found.localSeverity === 'critical';
      if (critical || found.state.conflict_type === 'version_regression') {
        this.deps.log.warn('conflict left for a person: the automatic strategy would apply a critical change', {
          id,
          strategy,
          conflict_type: found.state.conflict_type,
          severity: found.state.severity,
        });
        return null;
      }
    }
    try {
      this.resolveWithin(id, strategy, 'auto', now);
      return strategy;
    } catch (error) {
      this.deps.log.warn('automatic resolution not possible; the conflict stays open', { id, strategy, error: errorMessage(error) });
      return null;
    }
  }

  private resolveWithin(id: number, strategy: ResolutionStrategy, by: string, now: string): ResolveResponse {
    const row = this.repo.get(id);
    if (!row) throw notFound(`Conflict ${id}`);
    const response = applyResolution(this.resolutionDeps((skill) => stampAfter(now, skill)), row, strategy, undefined, by, now);
    this.announceResolved(row, strategy, by);
    return response;
  }

  // ---- resolution (API) ----

  resolve(id: number, strategy: ResolutionStrategy, body: ResolveBody, resolvedBy: string): ResolveResponse {
    checkStrategy(strategy);
    const response = this.resolveOne(id, strategy, body, resolvedBy);
    this.emitCounts();
    return response;
  }

  bulkResolve(ids: ReadonlyArray<number | string> | null, strategy: ResolutionStrategy, resolvedBy: string): BulkResolveResponse {
    checkStrategy(strategy);
    const result: BulkResolveResponse = { resolved: 0, failed: [] };
    const attempt = (id: number | string) => {
      try {
        const numeric = typeof id === 'number' ? id : /^\d{1,15}$/.test(id) ? Number(id) : NaN;
        this.resolveOne(numeric, strategy, {}, resolvedBy);
        result.resolved++;
      } catch (error) {
        const text = error instanceof EngineError ? `${error.code}: ${error.detail}` : errorMessage(error);
        result.failed.push({ id, error: text });
      }
    };
    if (ids === null) {
      // Every unresolved conflict, page by page; one that cannot be resolved is skipped, not retried.
      let after = 0;
      for (let guard = 0; guard < 1_000_000; guard++) {
        const page = this.repo.openIdsAfter(after, BULK_PAGE);
        if (page.length === 0) break;
        for (const id of page) attempt(id);
        after = page[page.length - 1]!;
      }
    } else {
      for (const id of ids) attempt(id);
    }
    this.deps.log.info('bulk resolution finished', { strategy, resolved: result.resolved, failed: result.failed.length, by: resolvedBy });
    this.emitCounts();
    return result;
  }

  /** One conflict in its own transaction; events after the commit. */
  private resolveOne(id: number, strategy: ResolutionStrategy, body: ResolveBody, resolvedBy: string): ResolveResponse {
    if (!Number.isSafeInteger(id) || id < 1) throw notFound(`Conflict ${String(id)}`);
    const { response, row } = this.deps.repos.transact(() => {
      const current = this.repo.get(id);
      if (!current) throw notFound(`Conflict ${id}`);
      const now = isoNow(this.deps.clock);
      const deps = this.resolutionDeps((skill) => stampAfter(this.stamper(), skill));
      return { response: applyResolution(deps, current, strategy, body.fields, resolvedBy, now), row: current };
    });
    this.announceResolved(row, strategy, resolvedBy);
    return response;
  }

  private resolutionDeps(stamp: (row: SkillRow | undefined) => string): ResolutionDeps {
    return { conflicts: this.repo, skills: this.skills, stamp };
  }

  private announceResolved(row: ConflictRow, strategy: ResolutionStrategy, by: string): void {
    this.deps.events.emit('conflict.resolved', { id: row.id, entity_id: row.entity_id, strategy, resolved_by: by });
    this.deps.log.info('conflict resolved', { id: row.id, skill_id: row.entity_id, conflict_type: row.conflict_type, strategy, by });
  }

  // ---- queries ----

  list(query: { status: 'unresolved' | 'resolved' | 'all'; severity?: Severity; limit: number; offset: number }): ConflictListResponse {
    const filter = { status: query.status, ...(query.severity ? { severity: query.severity } : {}) };
    return { items: this.repo.list(filter, query.limit, query.offset).map(toSummary), total: this.repo.count(filter) };
  }

  get(id: number): ConflictDetail {
    const row = Number.isSafeInteger(id) && id > 0 ? this.repo.get(id) : undefined;
    if (!row) throw notFound(`Conflict ${id}`);
    return toDetail(row);
  }

  counts(): ConflictCounts {
    const bySeverity = this.repo.openBySeverity();
    const unresolved = bySeverity.low + bySeverity.medium + bySeverity.high + bySeverity.critical;
    return { unresolved, by_severity: bySeverity };
  }

  private emitCounts(): void {
    this.deps.events.emit('conflicts.counts', this.counts());
  }
}

function stateOf(row: ConflictRow): ConflictState {
  return { conflict_type: row.conflict_type, severity: row.severity, base: row.base, local: row.local, remote: row.remote, fields: row.fields };
}

function checkStrategy(strategy: string): asserts strategy is ResolutionStrategy {
  if (!(RESOLUTION_STRATEGIES as readonly string[]).includes(strategy)) {
    throw badRequest('invalid_strategy', `Unknown strategy "${strategy}"; use one of ${RESOLUTION_STRATEGIES.join(', ')}.`);
  }
}
