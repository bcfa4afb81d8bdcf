/** Schemas for what enters the emulator: control bodies and rating uploads. */
import { z } from 'zod';
import type { RemoteSkill } from '../engine/contracts/remote.js';
import type { EmulatorFaults, EmulatorMutation } from './types.js';

/** Bad input to the emulator's own API (control calls, handle methods). */
export class EmulatorInputError extends Error {
  override name = 'EmulatorInputError';
}

const rate = z.number().min(0).max(1);
const count = z.number().int().min(0).max(100_000);
const DAY_MS = 86_400_000;
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be an ISO 8601 timestamp' });

export const faultsSchema = z.strictObject({
  http_error_rate: rate.optional(),
  http_status: z.number().int().min(400).max(599).optional(),
  latency_ms: z.number().int().min(0).max(60_000).optional(),
  rate_limit_rps: z.number().positive().max(1_000_000).optional(),
  retry_after: z.number().int().min(0).max(3600).optional(),
  reset_rate: rate.optional(),
  malformed_rate: rate.optional(),
  ws_drop_after: z.number().int().min(0).max(1_000_000).optional(),
  ws_silent: z.boolean().optional(),
  ws_reject_status: z.number().int().min(400).max(599).optional(),
  reject_ratings_for: z.array(z.string()).max(100_000).optional(),
  unsupported_extensions: z.array(z.enum(['updated_since', 'ratings_batch', 'ratings_list'])).optional(),
  listing_churn: z.strictObject({ delete: z.number().int().min(0).max(10_000).optional(), add: z.number().int().min(0).max(10_000).optional() }).optional(),
  page_size_cap: z.number().int().min(1).max(1_000_000).optional(),
  clock_skew_ms: z.number().int().min(-DAY_MS).max(DAY_MS).optional(),
  clock_resolution_ms: z.number().int().min(1).max(DAY_MS).optional(),
  since_inclusive: z.boolean().optional(),
  mixed_precision: z.boolean().optional(),
  lost_reply_rate: rate.optional(),
  poison_ids: z.array(z.string()).max(100_000).optional(),
  poison_rate: rate.optional(),
  ws_duplicate_rate: rate.optional(),
  ws_reorder_rate: rate.optional(),
  conflict_omits_rating_id: z.boolean().optional(),
  refusal_omits_held: z.boolean().optional(),
  seed: z.number().int().optional(),
});

const FORBIDDEN_SET_FIELDS = ['skill_id', 'updated_at', 'deleted'];

export const mutationSchema = z.strictObject({
  update: count.optional(),
  update_ids: z.array(z.string()).max(100_000).optional(),
  set: z
    .record(z.string(), z.json())
    .refine((set) => FORBIDDEN_SET_FIELDS.every((k) => !(k in set)), { message: `set may not change ${FORBIDDEN_SET_FIELDS.join(', ')}` })
    .optional(),
  delete: count.optional(),
  delete_ids: z.array(z.string()).max(100_000).optional(),
  add: count.optional(),
  ratings: count.optional(),
  categories: count.optional(),
  tied: z.boolean().optional(),
  push: z.boolean().optional(),
});

/** POST .../rate body; the rating itself is checked separately to answer 422 rather than 400. */
export const rateBodySchema = z.object({
  skill_id: z.string().optional(),
  user_id: z.string().min(1).max(200),
  rating: z.unknown(),
  comment: z.string().max(10_000).nullable().optional(),
});

/** PUT .../rate body: an update of the (skill, user) pair's rating. */
export const rateUpdateBodySchema = z.object({
  skill_id: z.string().optional(),
  user_id: z.string().min(1).max(200),
  rating: z.unknown(),
  comment: z.string().max(10_000).nullable().optional(),
  updated_at: isoTime.optional(),
});

export const batchBodySchema = z.object({ ratings: z.array(z.unknown()) });

export const batchItemSchema = z.object({
  client_rating_id: z.string().min(1).max(200),
  skill_id: z.string().min(1),
  user_id: z.string().min(1).max(200),
  rating: z.unknown(),
  comment: z.string().max(10_000).nullable().optional(),
  created_at: z.string().optional(),
  updated_at: isoTime.optional(),
});

export function isValidRating(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5;
}

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new EmulatorInputError(`invalid ${what}: ${describeIssues(result.error)}`);
  return result.data;
}

export function parseFaults(value: unknown): EmulatorFaults {
  return parseOrThrow(faultsSchema, value ?? {}, 'faults');
}

export function parseMutation(value: unknown): EmulatorMutation {
  const m = parseOrThrow(mutationSchema, value ?? {}, 'mutation');
  return { ...m, set: m.set as Partial<RemoteSkill> | undefined };
}
