import type { ConflictCounts, ResolutionStrategy, ResolveBody, Severity } from '../contracts/localHttpApi.js';
import type { EngineEvents } from '../events.js';
import type { ConflictResolution } from '../services.js';
import type { EngineStore } from '../storeHost/openStore.js';

const NO_COUNTS: ConflictCounts = { unresolved: 0, by_severity: { critical: 0, high: 0, medium: 0, low: 0 } };

/**
 * The engine's side of conflict resolution: each call is one unit of work in the store worker
 * (a resolution is one transaction there); the counts follow the worker's conflict events.
 */
export class ConflictsClient implements ConflictResolution {
  private cached: ConflictCounts = NO_COUNTS;

  constructor(
    private readonly store: EngineStore,
    events: EngineEvents,
  ) {
    events.on('conflicts.counts', (counts) => {
      this.cached = counts;
    });
  }

  async init(): Promise<void> {
    this.cached = await this.store.read.conflicts.counts();
  }

  list(query: { status: 'unresolved' | 'resolved' | 'all'; severity?: Severity; limit: number; offset: number }) {
    return this.store.read.conflicts.list(query);
  }

  get(id: number) {
    return this.store.read.conflicts.get(id);
  }

  resolve(id: number, strategy: ResolutionStrategy, body: ResolveBody, resolvedBy: string) {
    return this.store.write.conflicts.resolve(id, strategy, body, resolvedBy);
  }

  bulkResolve(ids: ReadonlyArray<number | string> | null, strategy: ResolutionStrategy, resolvedBy: string) {
    return this.store.write.conflicts.bulkResolve(ids, strategy, resolvedBy);
  }

  counts(): ConflictCounts {
    return this.cached;
  }
}
