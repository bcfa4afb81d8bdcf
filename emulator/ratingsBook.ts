/**
 * Ratings: the seeded ones (virtual, from the dataset), those added since (by mutation or by
 * clients), and the log of what clients uploaded, keyed by client_rating_id so a retried upload
 * is recognised and never stored twice.
 */
import type { EmulatorRatingsResponse, EmulatorReceivedRating, RemoteRating } from '../engine/contracts/remote.js';
import { iso, type Dataset } from './dataset.js';
import { upperBound, type Slice } from './catalogue.js';
import type { ServerClock } from './serverClock.js';

export interface NewRating {
  skill_id: string;
  user_id: string;
  rating: number;
  comment: string | null;
  created_at?: string;
}

export class RatingsBook {
  private readonly added: RemoteRating[] = [];
  private readonly addedTimes: number[] = [];
  private readonly received: EmulatorReceivedRating[] = [];
  private readonly byClientId = new Map<string, string>();

  constructor(private readonly dataset: Dataset, private readonly clock: ServerClock) {}

  /** Stores a rating with a fresh id and server time. */
  add(input: NewRating): RemoteRating {
    const time = this.clock.tick();
    const number = this.dataset.seededRatingCount + this.added.length + 1;
    const createdAt = input.created_at !== undefined && !Number.isNaN(Date.parse(input.created_at)) ? input.created_at : iso(time);
    const rating: RemoteRating = {
      rating_id: `rating-${String(number).padStart(7, '0')}`,
      skill_id: input.skill_id,
      user_id: input.user_id,
      rating: input.rating,
      comment: input.comment,
      created_at: createdAt,
      updated_at: iso(time),
    };
    this.added.push(rating);
    this.addedTimes.push(time);
    return rating;
  }

  /** rating_id already stored for this idempotency key, if any. */
  storedFor(clientRatingId: string): string | undefined {
    return this.byClientId.get(clientRatingId);
  }

  /** Records a rating uploaded by a client (already stored with `add`). */
  logReceived(rating: RemoteRating, via: 'batch' | 'single', clientRatingId: string | null): void {
    if (clientRatingId !== null) this.byClientId.set(clientRatingId, rating.rating_id);
    this.received.push({
      client_rating_id: clientRatingId,
      rating_id: rating.rating_id,
      skill_id: rating.skill_id,
      user_id: rating.user_id,
      rating: rating.rating,
      comment: rating.comment,
      received_at: rating.updated_at,
      via,
    });
  }

  get receivedCount(): number {
    return this.received.length;
  }

  receivedReport(): EmulatorRatingsResponse {
    const seen = new Map<string, number>();
    for (const item of this.received) {
      if (item.client_rating_id !== null) seen.set(item.client_rating_id, (seen.get(item.client_rating_id) ?? 0) + 1);
    }
    const duplicates = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    return { items: this.received.map((r) => ({ ...r })), total: this.received.length, duplicates };
  }

  /** Ratings updated after `sinceMs`, ordered by (updated_at, rating_id): seeded ones first, as they are older. */
  list(sinceMs: number, offset: number, limit: number): Slice<RemoteRating> & { lastUpdatedAt: string | null } {
    const seededStart = this.dataset.firstSeededRatingAfter(sinceMs);
    const seededTotal = this.dataset.seededRatingCount - seededStart;
    const addedStart = upperBound(this.addedTimes, sinceMs);
    const total = seededTotal + this.added.length - addedStart;
    const items: RemoteRating[] = [];
    for (let p = offset; p < Math.min(total, offset + limit); p++) {
      items.push(p < seededTotal ? this.dataset.seededRating(seededStart + p) : { ...(this.added[addedStart + p - seededTotal] as RemoteRating) });
    }
    let lastUpdatedAt: string | null = null;
    if (this.added.length > addedStart) lastUpdatedAt = (this.added[this.added.length - 1] as RemoteRating).updated_at;
    else if (seededTotal > 0) lastUpdatedAt = iso(this.dataset.seededRatingTime(this.dataset.seededRatingCount - 1));
    return { items, total, lastUpdatedAt };
  }
}
