import type {
  BatchRatingItem,
  BatchRatingResult,
  RateRequest,
  RateResponse,
  RateUpdateRequest,
  RemoteCategory,
  RemoteRating,
  RemoteSkill,
  RemoteSkillTombstone,
} from '../contracts/remote.js';

/**
 * POST .../rate: stored now, or the (skill, user) pair already had a rating (409: one rating per
 * pair on the platform), with its id when the server named it.
 */
export type RateResult = { status: 'created'; ratingId: string } | { status: 'exists'; ratingId: string | null };

export interface RatingPageQuery {
  /** Only ratings changed strictly after this stamp (null: from the start). */
  updatedSince: string | null;
  page: number;
  pageSize: number;
}

/** A page of GET /ratings after validation: bad entries are counted, not returned. */
export interface RatingPage {
  ratings: RemoteRating[];
  /** Entries the server sent on this page (valid or not), for short-page detection. */
  received: number;
  invalid: number;
  /** Null when the server left them out: then only a short page ends the listing. */
  total: number | null;
  totalPages: number | null;
  /** Page size the server says it used (it may cap what we asked), else what we asked. */
  pageSize: number;
}

/** A remote item that failed validation: skipped, counted, listed, and tried again next run. */
export interface InvalidItem {
  skillId: string | null;
  reason: string;
}

/** One skill by id: found, gone (404: proof of deletion), or present but malformed. */
export type SkillLookup = { kind: 'skill'; skill: RemoteSkill } | { kind: 'missing' } | { kind: 'invalid'; reason: string };

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
  /** Items skipped as invalid (missing skill_id/name, wrong types), with the id when they had one. */
  invalid: InvalidItem[];
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
 * A forward proxy that wants credentials (407, or 401 to a CONNECT) is kind `proxy_auth`,
 * never retried. Never returns an empty result in place of an error.
 */
export interface MarketplaceClient {
  listSkills(query: SkillPageQuery, signal?: AbortSignal): Promise<SkillPage>;
  getSkill(skillId: string, signal?: AbortSignal): Promise<SkillLookup>;
  listCategories(signal?: AbortSignal): Promise<RemoteCategory[]>;
  /**
   * Base API: one new rating. Not idempotent, so never retried once the request may have reached
   * the server. A 409 (the pair has a rating) is an answer, not an error; another 4xx (invalid
   * rating, unknown skill) is RemoteError kind `rejected`.
   */
  rate(request: RateRequest, signal?: AbortSignal): Promise<RateResult>;
  /**
   * Base API: PUT .../rate, idempotent (newest timestamp wins); null when the pair has no rating
   * (404). `updated_at` is on the local clock; it goes out on the server's (see serverClockOffsetMs),
   * and no earlier than `notBefore`, a stamp of the server's own.
   */
  updateRating(request: RateUpdateRequest & { skill_id: string; notBefore?: string }, signal?: AbortSignal): Promise<RateResponse | null>;
  /** ext: idempotent batch upload keyed by client_rating_id; each item's `updated_at` as for updateRating. */
  uploadRatings(items: readonly BatchRatingItem[], signal?: AbortSignal): Promise<BatchRatingResult[]>;
  /**
   * How far the server's clock for stamps runs ahead of ours (ms; negative: behind): from the Date
   * headers of its recent answers, rounded up, and at least as far as the newest stamp it handed
   * out; null before any. The server compares the `updated_at` we send with its own stamps, so
   * rating writes send theirs shifted by it; the stored local stamps stay as they are.
   */
  serverClockOffsetMs(): number | null;
  /** ext: ratings changed after the cursor. */
  listRatings(query: RatingPageQuery, signal?: AbortSignal): Promise<RatingPage>;
  close(): Promise<void>;
}
