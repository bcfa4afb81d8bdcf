/**
 * The rating service on a real store worker over a real SQLite file, with the remote boundary
 * scripted: records every call, answers as told. The test keeps a connection of its own to the
 * same file, as the local Atom does, to seed rows and to look at them. Shared by the ratings.*
 * unit tests.
 */
import type { BatchRatingItem, BatchRatingResult, RateRequest, RateResponse, RateUpdateRequest } from '../../engine/contracts/remote.js';
import { EngineEvents, type EngineEventMap } from '../../engine/events.js';
import type { Logger } from '../../engine/log/index.js';
import { RatingSyncService } from '../../engine/ratings/ratingSyncService.js';
import type { MarketplaceClient, RateResult, RatingPage, RatingPageQuery } from '../../engine/remote/types.js';
import { openDatabase, type Db } from '../../engine/store/database.js';
import { openStore, type EngineStore, type OpenStoreOptions } from '../../engine/storeHost/openStore.js';
import { ManualClock } from './manualClock.js';
import { tempDir } from './tempDir.js';

export type BatchHandler = (items: readonly BatchRatingItem[]) => Promise<BatchRatingResult[]> | BatchRatingResult[];

/** The remote boundary, scripted: records every call, answers as told. */
export class ScriptedClient implements MarketplaceClient {
  batches: BatchRatingItem[][] = [];
  singles: RateRequest[] = [];
  updates: Array<RateUpdateRequest & { skill_id: string }> = [];
  listCalls: Array<{ updatedSince: string | null; page: number }> = [];
  onBatch: BatchHandler = (items) => items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'accepted', rating_id: `r-${i.client_rating_id}` }));
  onRate: (req: RateRequest) => RateResult | Promise<RateResult> = (req) => ({ status: 'created', ratingId: `single-${this.singles.length}-${req.skill_id}` });
  onUpdate: (req: RateUpdateRequest & { skill_id: string }) => RateResponse | null | Promise<RateResponse | null> = (req) => ({
    success: true,
    rating_id: `pair-${req.skill_id}-${req.user_id}`,
    updated: true,
  });
  onList: (q: RatingPageQuery) => RatingPage = () => ({ ratings: [], received: 0, invalid: 0, total: 0, totalPages: null, pageSize: 500 });

  async uploadRatings(items: readonly BatchRatingItem[]): Promise<BatchRatingResult[]> {
    this.batches.push([...items]);
    return this.onBatch(items);
  }
  async rate(request: RateRequest): Promise<RateResult> {
    this.singles.push(request);
    return this.onRate(request);
  }
  async updateRating(request: RateUpdateRequest & { skill_id: string }): Promise<RateResponse | null> {
    this.updates.push(request);
    return this.onUpdate(request);
  }
  async listRatings(query: RatingPageQuery): Promise<RatingPage> {
    this.listCalls.push({ updatedSince: query.updatedSince, page: query.page });
    return this.onList(query);
  }
  listSkills(): never {
    throw new Error('not used');
  }
  getSkill(): never {
    throw new Error('not used');
  }
  listCategories(): never {
    throw new Error('not used');
  }
  serverClockOffsetMs(): number | null {
    return null;
  }
  async close(): Promise<void> {}
}

export function lineLogger(lines: string[]): Logger {
  const log: Logger = {
    error: (m) => lines.push(`error ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    info: (m, f) => lines.push(`info ${m} ${JSON.stringify(f ?? {})}`),
    debug: () => undefined,
    child: () => log,
  };
  return log;
}

export interface Env {
  /** The test's own connection to the store's file. */
  db: Db;
  file: string;
  store: EngineStore;
  client: ScriptedClient;
  clock: ManualClock;
  service: RatingSyncService;
  events: Array<{ name: keyof EngineEventMap; payload: unknown }>;
  logs: string[];
  /** Users handed out so far by addRatings. */
  users: number;
  cleanup: () => Promise<void>;
}
export async function setup(
  config: Partial<{ ratingBatchSize: number; ratingMaxAttempts: number; ratingSyncIntervalMinutes: number }> = {},
  enabled = true,
  storeOptions: Partial<OpenStoreOptions> = {},
): Promise<Env> {
  const tmp = tempDir('atom-ratings-');
  const file = tmp.file('atom_dev.db');
  const bus = new EngineEvents();
  const events: Env['events'] = [];
  bus.onAny((name, payload) => events.push({ name, payload }));
  const logs: string[] = [];
  const log = lineLogger(logs);
  const store = await openStore({ file, events: bus, log, ...storeOptions });
  const db = openDatabase(file);
  const client = new ScriptedClient();
  const clock = new ManualClock();
  const service = new RatingSyncService({
    store,
    client,
    events: bus,
    clock,
    log,
    config: { ratingBatchSize: 100, ratingMaxAttempts: 5, ratingSyncIntervalMinutes: 30, ...config },
    enabled,
    initialDelayMs: 1_000,
  });
  await service.init();
  const cleanup = async () => {
    await service.stop();
    await store.close();
    db.close();
    tmp.cleanup();
  };
  return { db, file, store, client, clock, service, events, logs, users: 0, cleanup };
}

/** n local ratings, each by a user of its own (the remote keeps one rating per skill and user). */
export async function addRatings(env: Env, n: number, skill = (i: number) => `skill-${i % 5}`): Promise<string[]> {
  const added = Array.from({ length: n }, (_, i) => {
    const user = `user-${env.users++}`;
    return env.service.addLocalRating({ skill_id: skill(i), user_id: user, rating: 1 + (i % 5), comment: `c${i}` });
  });
  return (await Promise.all(added)).map((r) => r.id);
}
export const ratingRow = (env: Env, id: string) => env.db.prepare('SELECT * FROM skill_ratings WHERE id = ?').get(id) as Record<string, unknown>;
export const failedRows = (env: Env) => env.db.prepare('SELECT * FROM failed_rating_uploads ORDER BY id').all() as Array<Record<string, unknown>>;
export const uploadEvents = (env: Env) => env.events.filter((e) => e.name === 'ratings.upload').map((e) => e.payload as EngineEventMap['ratings.upload']);

