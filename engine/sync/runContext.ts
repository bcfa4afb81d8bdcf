import type { Clock } from '../clock.js';
import type { SyncProgress } from '../contracts/api.js';
import type { Logger } from '../log/index.js';
import type { MarketplaceClient } from '../remote/types.js';
import type { Db } from '../store/database.js';
import type { SkillsRepo } from '../store/skillsRepo.js';
import type { SyncStateRepo } from '../store/syncStateRepo.js';
import type { ApplyTally, SkillApplier } from './skillApplier.js';

/** What one listing run needs; built per run by the catalogue sync service. */
export interface RunContext {
  db: Db;
  client: MarketplaceClient;
  applier: SkillApplier;
  skills: SkillsRepo;
  state: SyncStateRepo;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  batchSize: number;
  /** Strictly increasing row stamps (synced_at). */
  stamp: () => string;
  tally: ApplyTally;
  progress: (phase: SyncProgress['phase'], done: number, total: number | null) => void;
}

export interface ListingOutcome {
  items: number;
  cursor: string | null;
}

/** Lets other work (health probes, API calls) run between batches. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Keeps the last occurrence of each id, so one batch never writes a row twice. */
export function lastById<T extends { skill_id: string }>(items: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const item of items) {
    byId.delete(item.skill_id);
    byId.set(item.skill_id, item);
  }
  return [...byId.values()];
}

/** The server's own page size counts (it may cap ours), and its totals when it gives them. */
export function isFinalPage(page: number, received: number, pageSize: number, total: number | null, totalPages: number | null): boolean {
  if (totalPages !== null) return page >= totalPages;
  if (total !== null) return (page - 1) * pageSize + received >= total;
  return received < pageSize;
}
