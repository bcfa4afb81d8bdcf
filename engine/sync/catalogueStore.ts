import type { RemoteCategory, WsMessage } from '../contracts/remote.js';
import type { SkillLookup } from '../remote/types.js';
import type { Repos } from '../store/repos.js';
import type { RunResult } from '../store/runsRepo.js';
import type { PageContent } from './pageWriter.js';
import { addToTally, emptyTally, type ApplyOutcome, type ApplyTally, type SkillApplier } from './skillApplier.js';

/** The repositories the catalogue's units write. */
export type CatalogueRepos = Pick<Repos, 'skills' | 'categories' | 'state' | 'runs' | 'tombstones' | 'itemErrors'>;

/** What status and scheduling read from the store, in one call. */
export interface CatalogueFacts {
  last_sync: string | null;
  last_error: string | null;
  cursor: string | null;
  resume: string | null;
  consecutive_failures: number;
  invalid_items: number;
  skills: number;
  categories: number;
  last_full_success: string | null;
}

export interface SaveProgress {
  cursor?: string | null;
  resume?: string | null;
  items?: number;
}

export interface RunEnd {
  now: string;
  result: Exclude<RunResult, 'running'>;
  items: number;
  durationMs: number;
  error?: string | null;
  errorKind?: string | null;
  /** On success: the cursor for the next incremental run (undefined keeps the stored one). */
  cursor?: string | null;
}

/**
 * The catalogue's units of work, run inside the store worker: each method is one message and,
 * called as a write, one transaction. A page and the progress it allows commit together.
 */
export class CatalogueStore {
  constructor(
    private readonly r: CatalogueRepos,
    private readonly applier: SkillApplier,
  ) {}

  facts(): CatalogueFacts {
    const row = this.r.state.get('skills');
    return {
      last_sync: row?.last_sync ?? null,
      last_error: row?.last_error ?? null,
      cursor: row?.cursor ?? null,
      resume: row?.resume ?? null,
      consecutive_failures: this.r.runs.consecutiveFailures('skills'),
      invalid_items: this.r.itemErrors.count('skills'),
      skills: this.r.skills.count(),
      categories: this.r.categories.count(),
      last_full_success: this.r.runs.lastFullSuccess('skills'),
    };
  }

  startRun(mode: string, startedAt: string): number {
    const id = this.r.runs.start('skills', mode, startedAt);
    this.r.state.markAttempt('skills', startedAt);
    return id;
  }

  replaceCategories(categories: readonly RemoteCategory[], stamp: string, now: string): void {
    this.r.categories.replaceAll(categories, stamp);
    this.r.state.markSuccess('categories', now, categories.length);
  }

  /**
   * One listing page with the progress it allows (cursor or resume point). Invalid items are
   * skipped, listed and kept as they are; `invalidUncached` counts those not cached (not marked seen).
   */
  applyPage(page: PageContent, progress: SaveProgress | null, stamp: string, now: string): { tally: ApplyTally; invalidUncached: number } {
    const tally = emptyTally();
    let invalidUncached = 0;
    page.skills.forEach((skill, i) => addToTally(tally, this.applier.applySkill(skill, stamp, page.payloads?.[i])));
    for (const t of page.tombstones) addToTally(tally, this.applier.applyDelete(t.skill_id, stamp, t.updated_at || null));
    for (const item of page.invalid) {
      tally.skipped++;
      if (item.skillId === null || this.r.skills.get(item.skillId) === undefined) invalidUncached++;
      if (item.skillId !== null) this.applier.skipInvalid(item.skillId, item.reason, stamp);
    }
    if (progress) this.r.state.saveProgress('skills', now, progress);
    return { tally, invalidUncached };
  }

  /** Answers to lookups by id: a skill is applied, a 404 is a deletion, a malformed one is listed. */
  applyLookups(lookups: ReadonlyArray<{ id: string; lookup: SkillLookup }>, stamp: string): ApplyTally {
    const tally = emptyTally();
    for (const { id, lookup } of lookups) {
      if (lookup.kind === 'skill') addToTally(tally, this.applier.applySkill(lookup.skill, stamp));
      else if (lookup.kind === 'missing') addToTally(tally, this.applier.applyDelete(id, stamp, null));
      else {
        this.applier.skipInvalid(id, lookup.reason, stamp);
        tally.skipped++;
      }
    }
    return tally;
  }

  /** One pushed frame, through the same applier the listings use. */
  applyFrame(message: Extract<WsMessage, { type: 'skill_update' | 'skill_delete' | 'category_update' }>, stamp: string): ApplyOutcome | null {
    switch (message.type) {
      case 'skill_update':
        return this.applier.applySkill(message.data, stamp);
      case 'skill_delete':
        // The deletion keeps its remote time, so a listing page fetched before it cannot bring the skill back.
        return this.applier.applyDelete(message.data.skill_id, stamp, message.data.updated_at ?? message.timestamp ?? null);
      case 'category_update':
        this.r.categories.upsert(message.data, stamp);
        return null;
    }
  }

  saveProgress(progress: SaveProgress, now: string): void {
    this.r.state.saveProgress('skills', now, progress);
  }

  recordInvalid(skillId: string, reason: string, stamp: string): void {
    this.r.itemErrors.record('skills', skillId, reason, stamp);
  }

  endRun(id: number, end: RunEnd): void {
    this.r.runs.finish(id, { finishedAt: end.now, result: end.result, items: end.items, error: end.error, errorKind: end.errorKind, durationMs: end.durationMs });
    if (end.result === 'success') {
      this.r.state.markSuccess('skills', end.now, end.items, end.cursor);
      this.r.runs.prune(1000);
    } else if (end.result === 'cancelled') {
      this.r.state.setStatus('skills', end.now, 'idle');
    } else {
      this.r.state.markFailure('skills', end.now, end.error ?? 'failed');
    }
  }
}
