/**
 * The Atom SaaS marketplace wire contract (../shared/spec/atom-saas-remote.md).
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
}
export interface RateResponse {
  success: true;
  rating_id: string;
}

/** ext: POST /ratings/batch */
export interface BatchRatingItem {
  client_rating_id: string;
  skill_id: string;
  user_id: string;
  rating: number;
  comment?: string | null;
  created_at: string;
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
  | { type: 'skill_delete'; data: { skill_id: string }; timestamp: string }
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

/** GET /__emulator/ratings: what the emulator received from clients. */
export interface EmulatorReceivedRating {
  client_rating_id: string | null;
  rating_id: string;
  skill_id: string;
  user_id: string;
  rating: number;
  comment: string | null;
  received_at: string;
  via: 'batch' | 'single';
}
export interface EmulatorRatingsResponse {
  items: EmulatorReceivedRating[];
  total: number;
  /** client_rating_ids seen more than once as separate stored ratings (must stay empty). */
  duplicates: string[];
}
