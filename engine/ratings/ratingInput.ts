/** Checks what enters the rating service from outside: a rating made locally, a rating_update frame. */
import { badRequest } from '../errors.js';

export interface LocalRatingInput {
  skill_id: string;
  user_id: string;
  rating: number;
  comment: string | null;
}

const MAX_ID = 200;
const MAX_COMMENT = 5_000;

function requiredId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_ID) {
    throw badRequest('invalid_rating', `"${field}" must be a non-empty string of at most ${MAX_ID} characters.`);
  }
  return value;
}

/** Throws EngineError 400 `invalid_rating` with a sentence saying what to fix. */
export function checkLocalRating(input: { skill_id: unknown; user_id: unknown; rating: unknown; comment?: unknown }): LocalRatingInput {
  if (input === null || typeof input !== 'object') throw badRequest('invalid_rating', 'Send {"skill_id", "user_id", "rating", "comment"}.');
  const skillId = requiredId(input.skill_id, 'skill_id');
  const userId = requiredId(input.user_id, 'user_id');
  const rating = input.rating;
  if (typeof rating !== 'number' || !Number.isInteger(rating) || rating < 1 || rating > 5) {
    throw badRequest('invalid_rating', '"rating" must be an integer from 1 to 5.');
  }
  const comment = input.comment ?? null;
  if (comment !== null && (typeof comment !== 'string' || comment.length > MAX_COMMENT)) {
    throw badRequest('invalid_rating', `"comment" must be a string of at most ${MAX_COMMENT} characters, or null.`);
  }
  return { skill_id: skillId, user_id: userId, rating, comment };
}

export interface RatingAggregate {
  skill_id: string;
  average_rating: number;
  rating_count: number;
}

/** A rating_update frame's aggregate, or null when it is not usable. */
export function readAggregate(data: unknown): RatingAggregate | null {
  if (data === null || typeof data !== 'object') return null;
  const { skill_id, average_rating, rating_count } = data as Record<string, unknown>;
  if (typeof skill_id !== 'string' || skill_id === '') return null;
  if (typeof average_rating !== 'number' || !Number.isFinite(average_rating) || average_rating < 0 || average_rating > 5) return null;
  if (typeof rating_count !== 'number' || !Number.isInteger(rating_count) || rating_count < 0) return null;
  return { skill_id, average_rating, rating_count };
}
