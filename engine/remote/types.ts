import type {
  BatchRatingItem,
  BatchRatingResult,
  RateRequest,
  RateResponse,
  RatingListResponse,
  RemoteCategory,
  RemoteSkill,
  RemoteSkillTombstone,
} from '../contracts/remote.js';

export interface SkillPageQuery {
  page: number;
  pageSize: number;
  /** ext: only skills changed after this cursor (tombstones included). */
  updatedSince?: string | null;
}

/** A listing page after validation: bad items are counted, not returned. */
export interface SkillPage {
  skills: RemoteSkill[];
  tombstones: RemoteSkillTombstone[];
  /** Items skipped as invalid (missing skill_id/name, wrong types). */
  invalid: number;
  /** How many entries the server sent on this page (valid or not), for short-page detection. */
  received: number;
  total: number | null;
  totalPages: number | null;
  /** Page size the server actually used (it may cap what we asked). */
  pageSize: number;
  /** ext cursor; absent when the server ignored updated_since (treat as a full listing). */
  cursor: string | null;
  /** Server clock (Date header), ms since epoch, when present. */
  serverTime: number | null;
}

/**
 * Typed calls to the Atom SaaS marketplace. Transient failures (5xx, 429, timeouts, resets,
 * malformed bodies) are retried inside with backoff and Retry-After; what escapes is a
 * RemoteError with a kind, or ExtensionMissingError for an *ext* call the server lacks.
 * Never returns an empty result in place of an error.
 */
export interface MarketplaceClient {
  listSkills(query: SkillPageQuery, signal?: AbortSignal): Promise<SkillPage>;
  getSkill(skillId: string, signal?: AbortSignal): Promise<RemoteSkill | null>;
  listCategories(signal?: AbortSignal): Promise<RemoteCategory[]>;
  /** Base API: one rating. A 4xx (invalid rating, unknown skill) is RemoteError kind `rejected`. */
  rate(request: RateRequest, signal?: AbortSignal): Promise<RateResponse>;
  /** ext: idempotent batch upload keyed by client_rating_id. */
  uploadRatings(items: readonly BatchRatingItem[], signal?: AbortSignal): Promise<BatchRatingResult[]>;
  /** ext: other users' ratings changed after the cursor. */
  listRatings(query: { updatedSince: string | null; page: number; pageSize: number }, signal?: AbortSignal): Promise<RatingListResponse>;
  close(): Promise<void>;
}
