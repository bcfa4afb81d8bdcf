/** One rating from a client, single or batched: checked, stored, counted, pushed. */
import type { RemoteRating } from '../engine/contracts/remote.js';
import type { EmulatorCore } from './core.js';
import type { NewRating } from './ratingsBook.js';
import { isValidRating } from './validation.js';

export type IntakeResult =
  | { ok: true; rating: RemoteRating }
  | { ok: false; status: 404 | 422; error: string };

export function takeRating(core: EmulatorCore, input: Omit<NewRating, 'rating'> & { rating: unknown }, via: 'batch' | 'single', clientRatingId: string | null): IntakeResult {
  const index = core.catalogue.liveIndex(input.skill_id);
  if (index < 0) return { ok: false, status: 404, error: `unknown skill ${input.skill_id}` };
  if (!isValidRating(input.rating)) return { ok: false, status: 422, error: 'rating must be an integer from 1 to 5' };
  if (core.faults.rejectsRatingsFor(input.skill_id)) return { ok: false, status: 422, error: `ratings for ${input.skill_id} are not accepted` };
  const rating = core.ratings.add({ ...input, rating: input.rating });
  core.ratings.logReceived(rating, via, clientRatingId);
  pushRating(core, index, rating);
  return { ok: true, rating };
}

/** Updates the skill's average (not its updated_at) and tells the sockets. */
export function pushRating(core: EmulatorCore, index: number, rating: RemoteRating, push = true): void {
  const skill = core.catalogue.addRating(index, rating.rating);
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
