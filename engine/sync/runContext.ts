import type { Clock } from '../clock.js';
import type { SyncProgress } from '../contracts/localHttpApi.js';
import type { Logger } from '../log/index.js';
import type { MarketplaceClient } from '../remote/types.js';
import type { Stamper } from '../store/stamp.js';
import type { EngineStore } from '../storeHost/openStore.js';
import type { ApplyTally } from './skillApplier.js';

/** What one listing run needs; built per run by the catalogue sync service. */
export interface RunContext {
  store: EngineStore;
  client: MarketplaceClient;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  batchSize: number;
  /** Strictly increasing row stamps (synced_at). */
  stamp: Stamper;
  tally: ApplyTally;
  progress: (phase: SyncProgress['phase'], done: number, total: number | null) => void;
}

export interface ListingOutcome {
  items: number;
  cursor: string | null;
}

/** Keeps the last occurrence of each id, so one batch never writes a row twice. */
export function lastById<T extends { skill_id: string }>(items: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const item of items) {
    byId.delete(item.skill_id);
    byId.set(item.skill_id, item);
  }
  return [...byId.values()];
}

/**
 * Where a listing stands, page by page, judged by what the server actually sent: a server may cap
 * the page size without saying so (its `page_size` and `total_pages` then describe what we asked,
 * not what it served), so only `total` and the largest page it served count.
 */
export class PageTracker {
  /** Largest page the server has served: its real page size. */
  served = 0;
  /** `total` on the first page, to notice the listing changing under us. */
  firstTotal: number | null = null;
  /** The listing changed while it was read (total moved, or a short page before the end). */
  shifted = false;
  total: number | null = null;

  constructor(state?: { served: number; first_total: number | null; shifted: boolean }) {
    if (state) {
      this.served = state.served;
      this.firstTotal = state.first_total;
      this.shifted = state.shifted;
    }
  }

  /** Records a page; true when it is the last one. */
  page(page: number, received: number, total: number | null): boolean {
    this.served = Math.max(this.served, received);
    this.total = total;
    if (total !== null) {
      if (this.firstTotal === null) this.firstTotal = total;
      else if (total !== this.firstTotal) this.shifted = true;
    }
    if (received === 0) return true;
    if (total === null) return received < this.served;
    const last = (page - 1) * this.served + received >= total;
    if (!last && received < this.served) this.shifted = true;
    return last;
  }

  state(): { served: number; first_total: number | null; shifted: boolean } {
    return { served: this.served, first_total: this.firstTotal, shifted: this.shifted };
  }
}
