import type { EngineSnapshot, HealthResponse } from '../contracts/localHttpApi.js';
import type { CatalogueSync, ConflictResolution, RatingSync, WebSocketControl } from '../services.js';

export interface SnapshotParts {
  nowMs: number;
  demoMode: boolean;
  services: {
    sync: Pick<CatalogueSync, 'status'>;
    websocket: Pick<WebSocketControl, 'status'>;
    ratings: Pick<RatingSync, 'status'>;
    conflicts: Pick<ConflictResolution, 'counts'>;
  };
  health: HealthResponse;
  api: EngineSnapshot['api'];
  replica: EngineSnapshot['replica'];
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

/**
 * The one place the status object is assembled: the API, the live stream, the tray and the UI all
 * read this. Frozen, so no reader can change what another sees.
 */
export function buildSnapshot(parts: SnapshotParts): EngineSnapshot {
  const { services } = parts;
  const snapshot: EngineSnapshot = {
    at: new Date(parts.nowMs).toISOString(),
    demo_mode: parts.demoMode,
    // Copies, so freezing never reaches objects a service still owns.
    sync: { ...structuredClone(services.sync.status()), demo_mode: parts.demoMode },
    health: structuredClone(parts.health),
    websocket: structuredClone(services.websocket.status()),
    ratings: structuredClone(services.ratings.status()),
    conflicts: structuredClone(services.conflicts.counts()),
    api: { ...parts.api },
    replica: { ...parts.replica },
  };
  return deepFreeze(snapshot);
}
