import { systemClock } from '../clock.js';
import type { ConflictStrategySetting } from '../config/config.js';
import { ConflictResolutionService } from '../conflicts/conflictResolutionService.js';
import { RatingStore } from '../ratings/ratingStore.js';
import type { Repos } from '../store/repos.js';
import type { Outbox } from '../store/worker/outbox.js';
import { CatalogueStore } from '../sync/catalogueStore.js';
import { SkillApplier } from '../sync/skillApplier.js';
import { OutboxEvents, outboxLogger } from './workerSide.js';

/** What the worker needs from the configuration. */
export interface StoreTreeConfig {
  conflictStrategy: ConflictStrategySetting;
  conflictAutoCritical: boolean;
}

/**
 * Everything the store worker serves: the repositories, and the units of work of each service
 * (the parts that must run inside one transaction). The engine reaches it through `EngineStore`.
 */
export function createStoreTree(repos: Repos, outbox: Outbox, config: StoreTreeConfig) {
  const { skills, categories, state, runs, tombstones, itemErrors, ratings, failedUploads } = repos;
  const conflictRows = repos.conflicts;
  const conflicts = new ConflictResolutionService({
    repos,
    events: new OutboxEvents(outbox),
    clock: systemClock,
    log: outboxLogger(outbox, 'conflict'),
    strategy: config.conflictStrategy,
    autoCritical: config.conflictAutoCritical,
  });
  const applier = new SkillApplier(skills, tombstones, itemErrors, conflicts);
  const catalogue = new CatalogueStore({ skills, categories, state, runs, tombstones, itemErrors }, applier);
  const ratingStore = new RatingStore({ ratings, failed: failedUploads, skills, state });
  // What the database file itself says about its schema (the support bundle reports it).
  const meta = { schemaVersion: () => state.schemaVersion() };
  return { skills, categories, state, runs, tombstones, itemErrors, ratings, failedUploads, conflictRows, conflicts, catalogue, ratingStore, meta };
}

export type StoreTree = ReturnType<typeof createStoreTree>;
