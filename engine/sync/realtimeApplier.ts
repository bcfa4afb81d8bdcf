import type { WsMessage } from '../contracts/remote.js';
import type { Db } from '../store/database.js';
import type { CategoriesRepo } from '../store/categoriesRepo.js';
import type { Logger } from '../log/index.js';
import type { SkillApplier } from './skillApplier.js';

export interface RealtimeApplierDeps {
  db: Db;
  applier: SkillApplier;
  categories: CategoriesRepo;
  stamp: () => string;
  log: Logger;
  /** Keeps the cached count current without recounting the table. */
  adjustSkillCount: (delta: number) => void;
  refreshCategoryCount: () => void;
  /** Applies a rating_update frame (the rating service owns skill aggregates). */
  applyRatingUpdate: (data: Extract<WsMessage, { type: 'rating_update' }>['data']) => void;
}

/**
 * Applies socket frames in small transactions, through the same applier the listings use,
 * so a locally modified skill is protected from a pushed change exactly as from a polled one.
 * The incremental cursor is not moved: the next listing fetches these rows again, harmlessly.
 */
export function createRealtimeApplier(deps: RealtimeApplierDeps): (message: WsMessage) => void {
  return (message) => {
    switch (message.type) {
      case 'skill_update': {
        const outcome = deps.db.transaction(() => deps.applier.applySkill(message.data, deps.stamp())).immediate();
        if (outcome === 'inserted') deps.adjustSkillCount(1);
        deps.log.debug('websocket skill_update applied', { skill_id: message.data.skill_id, outcome });
        return;
      }
      case 'skill_delete': {
        // The deletion keeps its remote time, so a listing page fetched before it cannot bring the skill back.
        const deletedAt = message.data.updated_at ?? message.timestamp ?? null;
        const outcome = deps.db.transaction(() => deps.applier.applyDelete(message.data.skill_id, deps.stamp(), deletedAt)).immediate();
        if (outcome === 'deleted') deps.adjustSkillCount(-1);
        deps.log.debug('websocket skill_delete applied', { skill_id: message.data.skill_id, outcome });
        return;
      }
      case 'category_update':
        deps.db.transaction(() => deps.categories.upsert(message.data, deps.stamp())).immediate();
        deps.refreshCategoryCount();
        return;
      case 'rating_update':
        deps.applyRatingUpdate(message.data);
        return;
      default:
        return;
    }
  };
}
