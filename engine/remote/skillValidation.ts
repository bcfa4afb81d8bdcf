import type { RemoteCategory, RemoteRating, RemoteSkill, RemoteSkillTombstone } from '../contracts/remote.js';

const OPTIONAL_STRINGS = ['description', 'version', 'category', 'skill_type', 'author', 'code', 'command', 'created_at', 'updated_at'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type ValidatedEntry =
  | { kind: 'skill'; skill: RemoteSkill }
  | { kind: 'tombstone'; tombstone: RemoteSkillTombstone }
  | { kind: 'invalid'; reason: string; skillId: string | null };

/** Checks one listing entry where it enters; unknown fields are kept as they came. */
export function validateSkillEntry(value: unknown): ValidatedEntry {
  if (!isRecord(value)) return { kind: 'invalid', reason: 'not an object', skillId: null };
  const skillId = value.skill_id;
  if (typeof skillId !== 'string' || skillId.length === 0 || skillId.length > 256) {
    return { kind: 'invalid', reason: 'skill_id missing or not a string', skillId: null };
  }
  if (value.deleted === true) {
    return {
      kind: 'tombstone',
      tombstone: { skill_id: skillId, deleted: true, updated_at: typeof value.updated_at === 'string' ? value.updated_at : '' },
    };
  }
  if (typeof value.name !== 'string' || value.name.length === 0) {
    return { kind: 'invalid', reason: 'name missing or not a string', skillId };
  }
  for (const field of OPTIONAL_STRINGS) {
    const v = value[field];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      return { kind: 'invalid', reason: `${field} is not a string`, skillId };
    }
  }
  if (value.tags !== undefined && value.tags !== null && (!Array.isArray(value.tags) || value.tags.some((t) => typeof t !== 'string'))) {
    return { kind: 'invalid', reason: 'tags is not a list of strings', skillId };
  }
  for (const field of ['average_rating', 'rating_count'] as const) {
    const v = value[field];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
      return { kind: 'invalid', reason: `${field} is not a number`, skillId };
    }
  }
  return { kind: 'skill', skill: value as RemoteSkill };
}

export function validateCategory(value: unknown): RemoteCategory | null {
  if (!isRecord(value) || typeof value.name !== 'string' || value.name.length === 0) return null;
  return {
    name: value.name,
    slug: typeof value.slug === 'string' ? value.slug : value.name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
    description: typeof value.description === 'string' ? value.description : '',
    skill_count: typeof value.skill_count === 'number' && Number.isFinite(value.skill_count) ? value.skill_count : 0,
  };
}

export function validateRating(value: unknown): RemoteRating | null {
  if (!isRecord(value)) return null;
  const { rating_id, skill_id, user_id, rating } = value;
  if (typeof rating_id !== 'string' || typeof skill_id !== 'string' || typeof user_id !== 'string') return null;
  if (typeof rating !== 'number' || !Number.isInteger(rating) || rating < 1 || rating > 5) return null;
  return {
    rating_id,
    skill_id,
    user_id,
    rating,
    comment: typeof value.comment === 'string' ? value.comment : null,
    created_at: typeof value.created_at === 'string' ? value.created_at : '',
    updated_at: typeof value.updated_at === 'string' ? value.updated_at : typeof value.created_at === 'string' ? value.created_at : '',
  };
}
