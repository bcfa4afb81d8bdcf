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
  /** PUT only: whether our values replaced the stored ones (false: the server's were newer). */
  updated?: boolean;
  /** PUT refused as older: what the server holds, when it says. */
  held?: { rating: number; comment: string | null; updated_at: string };
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
