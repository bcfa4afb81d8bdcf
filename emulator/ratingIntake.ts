/**
 * Ratings from clients (single create, single update, batch item) and from other users
 * (mutations): checked, stored with one rating per (skill, user), counted, pushed. A write for a
 * pair that already has a rating updates it, newest timestamp winning.
 */
import type { BatchRatingResult, RemoteRating } from '../engine/contracts/remote.js';
import type { EmulatorCore } from './core.js';
import type { NewRating, StoredRating } from './ratingsBook.js';
import { isValidRating } from './validation.js';

type Refusal = { kind: 'refused'; status: 404 | 422; error: string };

export type CreateOutcome = { kind: 'created'; rating: RemoteRating } | { kind: 'conflict'; rating: RemoteRating } | Refusal;

export type UpdateOutcome = { kind: 'updated'; rating: RemoteRating; updated: boolean } | { kind: 'missing' } | Refusal;

export interface RatingChange {
  rating: number;
  comment?: string | null;
  /** Client's timestamp for newest-wins; absent means "now". */
  updatedAtMs?: number;
}

/** The skill is live, the rating valid and not refused by a fault: answers the skill's index. */
function check(core: EmulatorCore, skillId: string, rating: unknown): { index: number } | Refusal {
  const index = core.catalogue.liveIndex(skillId);
  if (index < 0) return { kind: 'refused', status: 404, error: `unknown skill ${skillId}` };
  if (!isValidRating(rating)) return { kind: 'refused', status: 422, error: 'rating must be an integer from 1 to 5' };
  if (core.faults.rejectsRatingsFor(skillId)) return { kind: 'refused', status: 422, error: `ratings for ${skillId} are not accepted` };
  return { index };
}

/** POST .../rate: stores a new rating, or answers the pair's existing one as a conflict. */
export function createRating(core: EmulatorCore, input: Omit<NewRating, 'rating'> & { rating: unknown }): CreateOutcome {
  const checked = check(core, input.skill_id, input.rating);
  if ('kind' in checked) return checked;
  const existing = core.ratings.find(input.skill_id, input.user_id);
  if (existing) {
    core.ratings.count('conflict');
    return { kind: 'conflict', rating: existing.rating };
  }
  const stored = core.ratings.create({ ...input, rating: input.rating as number });
  core.ratings.count('create');
  core.ratings.noteClientWrite(stored.code, 'single', null);
  pushRating(core, checked.index, stored.rating);
  return { kind: 'created', rating: stored.rating };
}

/** PUT .../rate: updates the pair's rating, newest timestamp winning. */
export function updateRating(core: EmulatorCore, skillId: string, userId: string, change: Omit<RatingChange, 'rating'> & { rating: unknown }): UpdateOutcome {
  const checked = check(core, skillId, change.rating);
  if ('kind' in checked) return checked;
  const existing = core.ratings.find(skillId, userId);
  if (!existing) return { kind: 'missing' };
  core.ratings.count('update');
  const result = newestWins(core, existing, { ...change, rating: change.rating as number });
  core.ratings.noteClientWrite(existing.code, 'single', null);
  return { kind: 'updated', ...result };
}

export interface BatchItem {
  client_rating_id: string;
  skill_id: string;
  user_id: string;
  rating: unknown;
  comment: string | null;
  created_at?: string;
  updated_at?: string;
}

/**
 * One batch item. A known client_rating_id with the same content is a duplicate; with other
 * content it updates its rating (newest wins); a new id for a pair that already has a rating
 * updates that one. No pair is ever stored twice.
 */
export function batchRating(core: EmulatorCore, item: BatchItem): BatchRatingResult {
  const clientId = item.client_rating_id;
  const known = core.ratings.forClientId(clientId);
  if (known && known.rating.rating === item.rating && known.rating.comment === item.comment) {
    core.ratings.count('duplicate');
    core.ratings.noteClientWrite(known.code, 'batch', clientId);
    return { client_rating_id: clientId, status: 'duplicate', rating_id: known.rating.rating_id };
  }
  const checked = check(core, item.skill_id, item.rating);
  if ('kind' in checked) return { client_rating_id: clientId, status: 'rejected', error: checked.error };
  const change: RatingChange = {
    rating: item.rating as number,
    comment: item.comment,
    ...(item.updated_at === undefined ? {} : { updatedAtMs: Date.parse(item.updated_at) }),
  };
  const existing = known ?? core.ratings.find(item.skill_id, item.user_id);
  if (existing) {
    core.ratings.count('update');
    newestWins(core, existing, change);
    core.ratings.noteClientWrite(existing.code, 'batch', clientId);
    return { client_rating_id: clientId, status: 'accepted', rating_id: existing.rating.rating_id };
  }
  const stored = core.ratings.create({ skill_id: item.skill_id, user_id: item.user_id, rating: change.rating, comment: item.comment, created_at: item.created_at });
  core.ratings.count('create');
  core.ratings.noteClientWrite(stored.code, 'batch', clientId);
  pushRating(core, checked.index, stored.rating);
  return { client_rating_id: clientId, status: 'accepted', rating_id: stored.rating.rating_id };
}

/** Another user's rating (mutations): stored, or an update of that user's earlier one. */
export function otherUserRating(core: EmulatorCore, index: number, input: NewRating, push: boolean): RemoteRating {
  const existing = core.ratings.find(input.skill_id, input.user_id);
  if (existing) return newestWins(core, existing, { rating: input.rating, comment: input.comment }, push).rating;
  const stored = core.ratings.create(input);
  pushRating(core, index, stored.rating, undefined, push);
  return stored.rating;
}

/** Rewrites a stored rating unless the change is older than it; pushes what changed. */
function newestWins(core: EmulatorCore, stored: StoredRating, change: RatingChange, push = true): { rating: RemoteRating; updated: boolean } {
  if (change.updatedAtMs !== undefined && change.updatedAtMs < stored.time) return { rating: stored.rating, updated: false };
  const next = core.ratings.rewrite(stored.code, { rating: change.rating, comment: change.comment });
  const index = core.catalogue.liveIndex(next.rating.skill_id);
  if (index >= 0) pushRating(core, index, next.rating, stored.rating.rating, push);
  return { rating: next.rating, updated: true };
}

/**
 * Updates the skill's average (not its updated_at) and tells the sockets. A changed rating
 * (`previous` given) replaces its old value; a new one adds to the count.
 */
export function pushRating(core: EmulatorCore, index: number, rating: RemoteRating, previous?: number, push = true): void {
  const skill = previous === undefined ? core.catalogue.addRating(index, rating.rating) : core.catalogue.changeRating(index, previous, rating.rating);
  if (!push) return;
  core.push({
    type: 'rating_update',
    data: {
      skill_id: rating.skill_id,
      rating: rating.rating,
      average_rating: skill.average_rating ?? 0,
      rating_count: skill.rating_count ?? 0,
      rating_id: rating.rating_id,
      user_id: rating.user_id,
    },
    timestamp: rating.updated_at,
  });
}
