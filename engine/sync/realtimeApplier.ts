import type { WsMessage } from '../contracts/remote.js';
import { errorKind, errorMessage } from '../errors.js';
import type { Logger } from '../log/index.js';
import type { EngineStore } from '../storeHost/openStore.js';

export interface RealtimeApplierDeps {
  store: EngineStore;
  stamp: () => string;
  log: Logger;
  /** Keeps the cached count current without recounting the table. */
  adjustSkillCount: (delta: number) => void;
  refreshCategoryCount: () => void;
  /** Applies a rating_update frame (the rating service owns skill aggregates). */
  applyRatingUpdate: (data: Extract<WsMessage, { type: 'rating_update' }>['data']) => Promise<void>;
  /** A frame could not be written (a locked database): the next incremental listing fetches it again. */
  onFrameLost: (kind: string) => void;
}

/**
 * Applies socket frames one transaction each, through the same applier the listings use, so a
 * locally modified skill is protected from a pushed change exactly as from a polled one. The
 * incremental cursor is not moved: the next listing fetches these rows again, harmlessly.
 * Frames are written in arrival order (the store runs writes one after another).
 */
export function createRealtimeApplier(deps: RealtimeApplierDeps): (message: WsMessage) => void {
  const lost = (type: string) => (error: unknown) => {
    const kind = errorKind(error);
    deps.log.warn('websocket frame not applied; the next sync fetches it', { type, kind, error: errorMessage(error) });
    deps.onFrameLost(kind);
  };
  return (message) => {
    switch (message.type) {
      case 'skill_update':
      case 'skill_delete':
        deps.store.write.catalogue
          .applyFrame(message, deps.stamp())
          .then((outcome) => {
            if (outcome === 'inserted') deps.adjustSkillCount(1);
            if (outcome === 'deleted') deps.adjustSkillCount(-1);
            deps.log.debug(`websocket ${message.type} applied`, { skill_id: message.data.skill_id, outcome: outcome ?? undefined });
          })
          .catch(lost(message.type));
        return;
      case 'category_update':
        deps.store.write.catalogue
          .applyFrame(message, deps.stamp())
          .then(() => deps.refreshCategoryCount())
          .catch(lost(message.type));
        return;
      case 'rating_update':
        deps.applyRatingUpdate(message.data).catch(lost(message.type));
        return;
      default:
        return;
    }
  };
}
