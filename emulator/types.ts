/**
 * The emulator's control API (POST /__emulator/faults, /__emulator/mutate, GET /__emulator/ratings
 * and /__emulator/stats): how tests and the demo drive the stand-in remote. Not part of the wire
 * contract the engine speaks, so it lives here, beside the emulator.
 */
import type { Extension, RemoteSkill } from '../engine/contracts/remote.js';

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
  /** A PUT refused as older answers `updated: false` alone, without the rating the server holds. */
  refusal_omits_held?: boolean;
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
