/**
 * Ratings: the seeded ones (virtual, from the dataset), those stored since (by mutation or by
 * clients), and the record of what clients wrote. One rating per (skill, user), as the public
 * platform keeps: a second write for a pair updates the first. Ratings are numbered by a code:
 * seeded rating k has code k, later ones follow; the rating id is `rating-<code + 1>`.
 */
import type { RemoteRating } from '../engine/contracts/remote.js';
import type { EmulatorRatingsResponse, EmulatorReceivedRating } from './types.js';
import { indexOfSkillId, iso, ratingIdOf, type Dataset } from './dataset.js';
import { lowerBound, upperBound, type Slice } from './catalogue.js';
import type { ServerClock } from './serverClock.js';

export interface NewRating {
  skill_id: string;
  user_id: string;
  rating: number;
  comment: string | null;
  created_at?: string;
}

export interface StoredRating {
  code: number;
  rating: RemoteRating;
  /** updated_at in ms. */
  time: number;
}

interface ClientRecord {
  clientRatingIds: string[];
  via: 'batch' | 'single';
  receivedAt: string;
  writes: number;
}

export type WriteKind = 'create' | 'update' | 'conflict' | 'duplicate';

export class RatingsBook {
  /** Ratings stored after seeding, by code - seededRatingCount. */
  private readonly added: RemoteRating[] = [];
  /** Seeded ratings rewritten since, by code. */
  private readonly rewritten = new Map<number, RemoteRating>();
  /** updated_at (ms) of every rating not at its seeded place: added and rewritten ones. */
  private readonly moved = new Map<number, number>();
  /** `skill_id|user_id` → code, for added ratings (seeded pairs are found in the dataset). */
  private readonly byPair = new Map<string, number>();
  private readonly byClientId = new Map<string, number>();
  /** Ratings clients wrote, in order of their first write. */
  private readonly clients = new Map<number, ClientRecord>();
  private readonly writeCounts: Record<WriteKind, number> = { create: 0, update: 0, conflict: 0, duplicate: 0 };
  private version = 0;
  private cache: { version: number; codes: Int32Array; times: Float64Array } | null = null;

  constructor(private readonly dataset: Dataset, private readonly clock: ServerClock) {}

  /** The rating this user holds for this skill, if any. */
  find(skillId: string, userId: string): StoredRating | undefined {
    const added = this.byPair.get(pairKey(skillId, userId));
    if (added !== undefined) return this.get(added);
    const k = this.dataset.seededRatingBy(indexOfSkillId(skillId), userId);
    return k < 0 ? undefined : this.get(k);
  }

  /** The stored rating a client_rating_id resolved to, if any. */
  forClientId(clientRatingId: string): StoredRating | undefined {
    const code = this.byClientId.get(clientRatingId);
    return code === undefined ? undefined : this.get(code);
  }

  get(code: number): StoredRating {
    const seeded = this.dataset.seededRatingCount;
    if (code >= seeded) {
      return { code, rating: { ...(this.added[code - seeded] as RemoteRating) }, time: this.moved.get(code) as number };
    }
    const rewritten = this.rewritten.get(code);
    if (rewritten) return { code, rating: { ...rewritten }, time: this.moved.get(code) as number };
    return { code, rating: this.dataset.seededRating(code), time: this.dataset.seededRatingTime(code) };
  }

  /** Stores a rating for a pair that has none, with a fresh id and server time. */
  create(input: NewRating): StoredRating {
    const key = pairKey(input.skill_id, input.user_id);
    if (this.find(input.skill_id, input.user_id)) throw new Error(`a rating for ${key} is already stored`);
    const time = this.clock.tick();
    const code = this.dataset.seededRatingCount + this.added.length;
    const createdAt = input.created_at !== undefined && !Number.isNaN(Date.parse(input.created_at)) ? input.created_at : iso(time);
    const rating: RemoteRating = {
      rating_id: ratingIdOf(code),
      skill_id: input.skill_id,
      user_id: input.user_id,
      rating: input.rating,
      comment: input.comment,
      created_at: createdAt,
      updated_at: iso(time),
    };
    this.added.push(rating);
    this.moved.set(code, time);
    this.byPair.set(key, code);
    this.version++;
    return { code, rating: { ...rating }, time };
  }

  /** New values for a stored rating, stamped with a fresh server time. */
  rewrite(code: number, change: { rating: number; comment?: string | null }): StoredRating {
    const current = this.get(code).rating;
    const time = this.clock.tick();
    const rating: RemoteRating = { ...current, rating: change.rating, comment: change.comment === undefined ? current.comment : change.comment, updated_at: iso(time) };
    const seeded = this.dataset.seededRatingCount;
    if (code >= seeded) this.added[code - seeded] = rating;
    else this.rewritten.set(code, rating);
    this.moved.set(code, time);
    this.version++;
    return { code, rating: { ...rating }, time };
  }

  /** Records a client request that wrote (or was acknowledged as writing) this rating. */
  noteClientWrite(code: number, via: 'batch' | 'single', clientRatingId: string | null): void {
    let record = this.clients.get(code);
    if (!record) {
      record = { clientRatingIds: [], via, receivedAt: iso(this.get(code).time), writes: 0 };
      this.clients.set(code, record);
    }
    record.writes++;
    if (clientRatingId !== null && !this.byClientId.has(clientRatingId)) {
      this.byClientId.set(clientRatingId, code);
      record.clientRatingIds.push(clientRatingId);
    }
  }

  count(kind: WriteKind): void {
    this.writeCounts[kind]++;
  }

  get receivedCount(): number {
    return this.clients.size;
  }

  receivedReport(): EmulatorRatingsResponse {
    const items: EmulatorReceivedRating[] = [];
    for (const [code, record] of this.clients) {
      const { rating } = this.get(code);
      items.push({
        client_rating_id: record.clientRatingIds[0] ?? null,
        client_rating_ids: [...record.clientRatingIds],
        rating_id: rating.rating_id,
        skill_id: rating.skill_id,
        user_id: rating.user_id,
        rating: rating.rating,
        comment: rating.comment,
        received_at: record.receivedAt,
        updated_at: rating.updated_at,
        via: record.via,
        writes: record.writes,
      });
    }
    return { items, total: items.length, duplicates: this.duplicateKeys(), requests: { ...this.writeCounts } };
  }

  /**
   * Keys held by more than one stored rating, counted over the raw storage rather than the
   * indexes that are meant to prevent them: client ids over the client records, pairs over the
   * added ratings and the seeded ratings of the same skills.
   */
  private duplicateKeys(): string[] {
    const clientIds = new Map<string, number>();
    for (const record of this.clients.values()) {
      for (const id of record.clientRatingIds) clientIds.set(id, (clientIds.get(id) ?? 0) + 1);
    }
    const pairs = new Map<string, number>();
    const skills = new Set<string>();
    for (const rating of this.added) {
      const key = pairKey(rating.skill_id, rating.user_id);
      pairs.set(key, (pairs.get(key) ?? 0) + 1);
      skills.add(rating.skill_id);
    }
    for (const skillId of skills) {
      const { first, end } = this.dataset.seededRatingRange(indexOfSkillId(skillId));
      for (let k = first; k < end; k++) {
        const key = this.dataset.seededPairOf(k);
        if (pairs.has(key)) pairs.set(key, (pairs.get(key) as number) + 1);
      }
    }
    const repeated = (counts: Map<string, number>) => [...counts].filter(([, n]) => n > 1).map(([key]) => key);
    return [...repeated(clientIds), ...repeated(pairs)];
  }

  /**
   * Ratings updated after `sinceMs` (at or after, with `inclusive`), ordered by (updated_at,
   * rating_id); `lastUpdatedAt` is that of the whole set's last entry.
   */
  list(sinceMs: number, offset: number, limit: number, inclusive = false): Slice<RemoteRating> & { lastUpdatedAt: string | null } {
    const { codes, times } = this.timeline();
    const start = inclusive ? lowerBound(times, sinceMs) : upperBound(times, sinceMs);
    const total = codes.length - start;
    const items: RemoteRating[] = [];
    for (let p = start + offset; p < Math.min(codes.length, start + offset + limit); p++) items.push(this.get(codes[p] as number).rating);
    return { items, total, lastUpdatedAt: total > 0 ? iso(times[codes.length - 1] as number) : null };
  }

  /** Every rating ordered by (updated_at, code), rebuilt only after a change. */
  private timeline(): { codes: Int32Array; times: Float64Array } {
    if (this.cache?.version === this.version) return this.cache;
    const seeded = this.dataset.seededRatingCount;
    const size = seeded + this.added.length;
    const codes = new Int32Array(size);
    const times = new Float64Array(size);
    const moved = [...this.moved].sort((x, y) => x[1] - y[1] || x[0] - y[0]);
    let n = 0;
    let m = 0;
    const push = (code: number, time: number) => {
      codes[n] = code;
      times[n++] = time;
    };
    // Seeded stamps rise with k; moved ones were sorted above; merge the two.
    for (let k = 0; k < seeded; k++) {
      if (this.rewritten.has(k)) continue;
      const time = this.dataset.seededRatingTime(k);
      for (let next = moved[m]; next !== undefined && (next[1] < time || (next[1] === time && next[0] < k)); next = moved[++m]) push(next[0], next[1]);
      push(k, time);
    }
    for (; m < moved.length; m++) push((moved[m] as [number, number])[0], (moved[m] as [number, number])[1]);
    this.cache = { version: this.version, codes, times };
    return this.cache;
  }
}

function pairKey(skillId: string, userId: string): string {
  return `${skillId}|${userId}`;
}
