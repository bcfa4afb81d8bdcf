/**
 * The Atom SaaS marketplace wire contract (docs/contracts/atom-saas-remote.md).
 * Shared by the engine's remote client and the emulator; no runtime code here.
 */

/** JSON value as it arrives on the wire. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface RemoteSkill {
  skill_id: string;
  name: string;
  description?: string;
  version?: string;
  category?: string;
  skill_type?: string;
  author?: string;
  tags?: string[];
  code?: string;
  command?: string;
  local_files?: Json;
  python_packages?: Json;
  npm_packages?: Json;
  parameters?: Json;
  metadata?: Json;
  env_vars?: Json;
  average_rating?: number;
  rating_count?: number;
  created_at?: string;
  updated_at?: string;
  /** Unknown fields are kept, not dropped. */
  [extra: string]: Json | undefined;
}

/** A deleted skill in an `updated_since&include_deleted=true` listing. */
export interface RemoteSkillTombstone {
  skill_id: string;
  deleted: true;
  updated_at: string;
}

export type RemoteSkillEntry = RemoteSkill | RemoteSkillTombstone;

/** GET /skills/marketplace/skills */
export interface SkillListResponse {
  skills: RemoteSkillEntry[];
  total?: number;
  page?: number;
  page_size?: number;
  total_pages?: number;
  /** ext: present only on `updated_since` listings; the value to send next time. */
  cursor?: string;
}

/** GET /skills/marketplace/categories returns RemoteCategory[] */
export interface RemoteCategory {
  name: string;
  slug: string;
  description: string;
  skill_count: number;
}

/** POST /skills/marketplace/skills/{skill_id}/rate */
export interface RateRequest {
  skill_id: string;
  user_id: string;
  rating: number;
  comment?: string | null;
  /** When the rating was last changed locally: on PUT, the newest timestamp wins on the server. */
  updated_at?: string;
}
export interface RateResponse {
  success: true;
  rating_id: string;
  /** PUT only: whether our values replaced the stored ones (false: the server's were as new or newer). */
  updated?: boolean;
}

/** ext: POST /ratings/batch */
export interface BatchRatingItem {
  client_rating_id: string;
  skill_id: string;
  user_id: string;
  rating: number;
  comment?: string | null;
  created_at: string;
  /** When the rating was last changed locally: the server keeps one rating per (skill, user), newest wins. */
  updated_at?: string;
}
export interface BatchRatingRequest {
  ratings: BatchRatingItem[];
}
export type BatchRatingStatus = 'accepted' | 'duplicate' | 'rejected';
export interface BatchRatingResult {
  client_rating_id: string;
  status: BatchRatingStatus;
  rating_id?: string;
  error?: string;
}
export interface BatchRatingResponse {
  results: BatchRatingResult[];
}

/** ext: GET /ratings?updated_since=&page=&page_size= */
export interface RemoteRating {
  rating_id: string;
  skill_id: string;
  user_id: string;
  rating: number;
  comment: string | null;
  created_at: string;
  updated_at: string;
}
export interface RatingListResponse {
  ratings: RemoteRating[];
  total: number;
  page: number;
  page_size: number;
  total_pages?: number;
  cursor?: string;
}

/** Error body the remote answers with on 4xx/5xx. */
export interface RemoteErrorBody {
  error: string;
  detail?: string;
}

/** WebSocket frames: JSON text `{type, data, timestamp}`. */
export type WsMessage =
  | { type: 'skill_update'; data: RemoteSkill; timestamp: string }
  | { type: 'skill_delete'; data: { skill_id: string; updated_at?: string }; timestamp: string }
  | { type: 'category_update'; data: RemoteCategory; timestamp: string }
  | {
      type: 'rating_update';
      data: { skill_id: string; rating: number; average_rating: number; rating_count: number; rating_id?: string; user_id?: string };
      timestamp: string;
    }
  | { type: 'ping'; data?: Record<string, never>; timestamp: string }
  | { type: 'pong'; data?: Record<string, never>; timestamp: string };

export type WsMessageType = WsMessage['type'];

export const MARKETPLACE = {
  skills: '/skills/marketplace/skills',
  skill: (id: string) => `/skills/marketplace/skills/${encodeURIComponent(id)}`,
  rate: (id: string) => `/skills/marketplace/skills/${encodeURIComponent(id)}/rate`,
  categories: '/skills/marketplace/categories',
  ratingsBatch: '/ratings/batch',
  ratings: '/ratings',
} as const;

/** ext capabilities a server may lack; the emulator can switch each off. */
export type Extension = 'updated_since' | 'ratings_batch' | 'ratings_list';

/**
 * PUT /skills/marketplace/skills/{skill_id}/rate: updates the (skill, user) pair's rating; the
 * newest timestamp wins (an `updated_at` older than the stored one changes nothing). Answers
 * 200 `{"success": true, "rating_id", "updated": boolean}`, 404 when the pair has no rating.
 */
export interface RateUpdateRequest {
  skill_id?: string;
  user_id: string;
  rating: number;
  comment?: string | null;
  updated_at?: string;
}

/** Emulator control API: POST /__emulator/faults (all optional; {} clears). */
export interface EmulatorFaults {
  /** Fraction 0..1 of marketplace HTTP requests answered with `http_status`. */
  http_error_rate?: number;
  http_status?: number;
  latency_ms?: number;
  /** Requests per second before 429 with `Retry-After: retry_after`. */
  rate_limit_rps?: number;
  retry_after?: number;
  /** Fraction 0..1 of responses whose connection is destroyed mid-body. */
  reset_rate?: number;
  /** Fraction 0..1 of JSON responses replaced by malformed JSON. */
  malformed_rate?: number;
  /** Close each WebSocket after this many frames sent to it. */
  ws_drop_after?: number;
  /** Send nothing on WebSockets (no pong, no pushes). */
  ws_silent?: boolean;
  /** Refuse WebSocket upgrades with this status (e.g. 401, 503). */
  ws_reject_status?: number;
  /** Skill ids whose ratings are rejected as invalid (422 / status "rejected"). */
  reject_ratings_for?: string[];
  unsupported_extensions?: Extension[];
  /**
   * After each plain (not updated_since) skills listing page is served: delete `delete` live
   * skills from the front of skill_id order and add `add` new ones (real, pushed mutations).
   */
  listing_churn?: { delete?: number; add?: number };
  /** Serve at most this many items per page while echoing the requested page_size. */
  page_size_cap?: number;
  /** The server clock runs this far ahead (+) or behind (-) real time; |x| <= 1 day. */
  clock_skew_ms?: number;
  /** New server stamps are truncated to this resolution (and may tie). */
  clock_resolution_ms?: number;
  /** updated_since filters with >= instead of > (boundary rows are sent again). */
  since_inclusive?: boolean;
  /** Whole-second timestamps render without milliseconds in bodies and frames. */
  mixed_precision?: boolean;
  /** Fraction 0..1 of rating POST/PUT requests whose effect is committed, then the reply is lost. */
  lost_reply_rate?: number;
  /** Skills served with wrong-typed fields (`version: 42`, `name: {"en": ...}`). */
  poison_ids?: string[];
  /** Fraction 0..1 of skills poisoned, chosen per skill from the seed (stable across requests). */
  poison_rate?: number;
  /** Fraction 0..1 of pushed frames sent twice. */
  ws_duplicate_rate?: number;
  /** Fraction 0..1 of pushed frames held back and sent after the next one (or after 200 ms). */
  ws_reorder_rate?: number;
  /** The 409 for an existing rating leaves `rating_id` out of its body. */
  conflict_omits_rating_id?: boolean;
  /** Seed for the fault dice, so a failing test replays. */
  seed?: number;
}

/** POST /__emulator/mutate */
export interface EmulatorMutation {
  /** Change N skills (new updated_at, bumped version, edited description), push skill_update. */
  update?: number;
  /** Specific ids to change, with optional field overrides. */
  update_ids?: string[];
  set?: Partial<RemoteSkill>;
  /** Delete N skills (or these ids), push skill_delete. */
  delete?: number;
  delete_ids?: string[];
  /** Add N new skills, push skill_update. */
  add?: number;
  /** Add N ratings from other users, push rating_update. */
  ratings?: number;
  /** Rename/update N categories, push category_update. */
  categories?: number;
  /** Every skill this mutation updates, deletes or adds gets one shared updated_at. */
  tied?: boolean;
  /** Whether to push WebSocket messages (default true). */
  push?: boolean;
}
export interface EmulatorMutationResult {
  updated: string[];
  deleted: string[];
  added: string[];
  ratings: string[];
  categories: string[];
}

/** GET /__emulator/ratings: one entry per stored rating that clients wrote. */
export interface EmulatorReceivedRating {
  /** The first client_rating_id that reached this rating (null for single POSTs). */
  client_rating_id: string | null;
  /** Every client_rating_id that resolved to this rating, first one first. */
  client_rating_ids: string[];
  rating_id: string;
  skill_id: string;
  user_id: string;
  /** Current values. */
  rating: number;
  comment: string | null;
  /** Server time of the first client write. */
  received_at: string;
  updated_at: string;
  /** Path of the first client write. */
  via: 'batch' | 'single';
  /** Client requests that wrote it: the create, then each update or duplicate-acknowledged write. */
  writes: number;
}
export interface EmulatorRatingsResponse {
  items: EmulatorReceivedRating[];
  total: number;
  /**
   * Keys stored more than once, computed from the raw storage: client_rating_ids and
   * `skill_id|user_id` pairs. Must stay empty.
   */
  duplicates: string[];
  /** Client rating writes by outcome, since the last reset. */
  requests: { create: number; update: number; conflict: number; duplicate: number };
}

/** GET /__emulator/stats */
export interface EmulatorStats {
  skills: number;
  deleted: number;
  categories: number;
  /** Stored ratings that clients wrote. */
  ratings_received: number;
  /** Marketplace HTTP requests seen (all outcomes, never reset). */
  requests: number;
  /** Replies dropped after commit by lost_reply_rate, since the last reset. */
  lost_replies: number;
  ws_clients: number;
}
