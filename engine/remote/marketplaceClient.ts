import {
  MARKETPLACE,
  type BatchRatingItem,
  type BatchRatingResult,
  type RateRequest,
  type RateResponse,
  type RateUpdateRequest,
  type RemoteCategory,
} from '../contracts/remote.js';
import { ExtensionMissingError, RemoteError } from '../errors.js';
import { HttpTransport, type HttpTransportOptions } from './httpTransport.js';
import { instant, laterStamp } from './keysetCursor.js';
import { validateCategory, validateRating, validateSkillEntry } from './skillValidation.js';
import type { MarketplaceClient, RateResult, RatingPage, RatingPageQuery, SkillLookup, SkillPage, SkillPageQuery } from './types.js';

/** `proxy` (from Config.proxy) routes every call as HTTPS_PROXY, HTTP_PROXY and NO_PROXY say. */
export interface MarketplaceClientOptions extends Omit<HttpTransportOptions, 'baseUrl'> {
  apiUrl: string;
  /** An item skipped as invalid (counted as sync_errors_total{kind="invalid_item"}). */
  onInvalidItem?: (reason: string, skillId: string | null) => void;
}

/** Statuses by which a server says it lacks an *ext* capability. */
const EXTENSION_MISSING = [400, 404, 405, 501] as const;
/**
 * For the rating extensions only "no such path/method" counts: a 400 there is an answer about
 * the request (a bad item, too large a batch), and falling back for good on it would lose the
 * idempotent batch path for the life of the process.
 */
const RATING_EXTENSION_MISSING = [404, 405, 501] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A local stamp on the server's clock; an unreadable one goes as it is. */
/** The rating a refusal says the server holds; anything malformed is as if it said nothing. */
function heldRating(value: unknown): RateResponse['held'] | null {
  if (!isRecord(value)) return null;
  const { rating, comment, updated_at: updatedAt } = value;
  if (typeof rating !== 'number' || !(comment === null || typeof comment === 'string') || typeof updatedAt !== 'string') return null;
  return Number.isNaN(instant(updatedAt)) ? null : { rating, comment, updated_at: updatedAt };
}

function onServerClock(localStamp: string | undefined, offsetMs: number): string | undefined {
  const t = instant(localStamp);
  return localStamp === undefined || Number.isNaN(t) ? localStamp : new Date(t + offsetMs).toISOString();
}

export function createMarketplaceClient(options: MarketplaceClientOptions): MarketplaceClient {
  const http = new HttpTransport({ ...options, baseUrl: options.apiUrl.replace(/\/+$/, '') });

  async function listSkills(query: SkillPageQuery, signal?: AbortSignal): Promise<SkillPage> {
    const params = new URLSearchParams({ page: String(query.page), page_size: String(query.pageSize) });
    const incremental = query.updatedSince !== undefined && query.updatedSince !== null;
    if (incremental) {
      params.set('updated_since', query.updatedSince!);
      params.set('include_deleted', 'true');
    }
    const response = await http.call(`${MARKETPLACE.skills}?${params}`, {
      signal,
      passStatuses: incremental ? EXTENSION_MISSING : [],
    });
    if (response.status >= 400) throw new ExtensionMissingError('updated_since', response.status);
    const body = response.body;
    if (!isRecord(body) || !Array.isArray(body.skills)) {
      throw new RemoteError('invalid_response', `GET ${MARKETPLACE.skills}: body has no "skills" list`, response.status);
    }
    const page: SkillPage = {
      skills: [],
      tombstones: [],
      invalid: [],
      received: body.skills.length,
      total: finiteOrNull(body.total),
      totalPages: finiteOrNull(body.total_pages),
      pageSize: finiteOrNull(body.page_size) ?? query.pageSize,
      cursor: typeof body.cursor === 'string' ? body.cursor : null,
      serverTime: response.serverTime,
    };
    for (const entry of body.skills) {
      const checked = validateSkillEntry(entry);
      if (checked.kind === 'skill') page.skills.push(checked.skill);
      else if (checked.kind === 'tombstone') page.tombstones.push(checked.tombstone);
      else {
        page.invalid.push({ skillId: checked.skillId, reason: checked.reason });
        options.onInvalidItem?.(checked.reason, checked.skillId);
      }
    }
    return page;
  }

  async function getSkill(skillId: string, signal?: AbortSignal): Promise<SkillLookup> {
    const response = await http.call(MARKETPLACE.skill(skillId), { signal, passStatuses: [404] });
    if (response.status === 404) return { kind: 'missing' };
    const checked = validateSkillEntry(response.body);
    if (checked.kind === 'skill' && checked.skill.skill_id === skillId) return { kind: 'skill', skill: checked.skill };
    const reason = checked.kind === 'invalid' ? checked.reason : checked.kind === 'tombstone' ? 'a tombstone where a skill was expected' : 'the answer names another skill';
    options.onInvalidItem?.(reason, skillId);
    return { kind: 'invalid', reason };
  }

  async function listCategories(signal?: AbortSignal): Promise<RemoteCategory[]> {
    const response = await http.call(MARKETPLACE.categories, { signal });
    const body = response.body;
    const list = Array.isArray(body) ? body : isRecord(body) && Array.isArray(body.categories) ? body.categories : null;
    if (!list) throw new RemoteError('invalid_response', `GET ${MARKETPLACE.categories}: body is not a list`);
    const categories: RemoteCategory[] = [];
    for (const item of list) {
      const category = validateCategory(item);
      if (category) categories.push(category);
      else options.onInvalidItem?.('invalid category', null);
    }
    return categories;
  }

  async function rate(req: RateRequest, signal?: AbortSignal): Promise<RateResult> {
    const body: RateRequest = { skill_id: req.skill_id, user_id: req.user_id, rating: req.rating, comment: req.comment };
    const response = await http.call(MARKETPLACE.rate(req.skill_id), { method: 'POST', body, signal, idempotent: false, passStatuses: [409] });
    const answer = response.body;
    if (response.status === 409) {
      return { status: 'exists', ratingId: isRecord(answer) && typeof answer.rating_id === 'string' && answer.rating_id !== '' ? answer.rating_id : null };
    }
    if (!isRecord(answer) || typeof answer.rating_id !== 'string' || answer.rating_id === '') {
      throw new RemoteError('invalid_response', `POST rate ${req.skill_id}: no rating_id in the answer`, response.status);
    }
    return { status: 'created', ratingId: answer.rating_id };
  }

  /**
   * The server's clock offset for a stamp about to be sent. Before any answer has shown it (the
   * first call of a process may be this very write), one cheap best-effort GET asks for it: a
   * guess of 0 against a server running ahead would have our newer value refused as older.
   */
  async function offsetForWrite(signal?: AbortSignal): Promise<number> {
    const known = http.serverClockOffsetMs();
    if (known !== null) return known;
    try {
      await http.call(MARKETPLACE.categories, { signal, maxAttempts: 1 });
    } catch {
      // Any answer with a Date header was sampled, error or not; with none we go on with 0.
    }
    return http.serverClockOffsetMs() ?? 0;
  }

  async function updateRating(req: RateUpdateRequest & { skill_id: string; notBefore?: string }, signal?: AbortSignal): Promise<RateResponse | null> {
    const translated = req.updated_at === undefined ? undefined : onServerClock(req.updated_at, await offsetForWrite(signal));
    const updatedAt = req.notBefore === undefined || translated === undefined ? translated : (laterStamp(translated, req.notBefore) ?? translated);
    const body: RateUpdateRequest = { user_id: req.user_id, rating: req.rating, comment: req.comment, updated_at: updatedAt };
    const response = await http.call(MARKETPLACE.rate(req.skill_id), { method: 'PUT', body, signal, passStatuses: [404] });
    if (response.status === 404) return null;
    const answer = response.body;
    if (!isRecord(answer) || typeof answer.rating_id !== 'string' || answer.rating_id === '') {
      throw new RemoteError('invalid_response', `PUT rate ${req.skill_id}: no rating_id in the answer`, response.status);
    }
    const held = answer.updated === false ? heldRating(answer.held) : null;
    return { success: true, rating_id: answer.rating_id, updated: answer.updated !== false, ...(held ? { held } : {}) };
  }

  async function uploadRatings(items: readonly BatchRatingItem[], signal?: AbortSignal): Promise<BatchRatingResult[]> {
    // An item for a pair the remote already holds is an update, newest timestamp winning.
    const offset = items.some((i) => i.updated_at !== undefined) ? await offsetForWrite(signal) : 0;
    const ratings = offset === 0 ? items : items.map((i) => ({ ...i, updated_at: onServerClock(i.updated_at, offset) }));
    const response = await http.call(MARKETPLACE.ratingsBatch, {
      method: 'POST',
      body: { ratings },
      signal,
      passStatuses: RATING_EXTENSION_MISSING,
    });
    if (response.status >= 400) throw new ExtensionMissingError('ratings_batch', response.status);
    const body = response.body;
    if (!isRecord(body) || !Array.isArray(body.results)) {
      throw new RemoteError('invalid_response', 'POST /ratings/batch: no "results" list');
    }
    const results: BatchRatingResult[] = [];
    for (const r of body.results) {
      if (!isRecord(r) || typeof r.client_rating_id !== 'string') continue;
      const status = r.status === 'accepted' || r.status === 'duplicate' || r.status === 'rejected' ? r.status : null;
      if (!status) continue;
      results.push({
        client_rating_id: r.client_rating_id,
        status,
        rating_id: typeof r.rating_id === 'string' ? r.rating_id : undefined,
        error: typeof r.error === 'string' ? r.error : undefined,
      });
    }
    return results;
  }

  async function listRatings(query: RatingPageQuery, signal?: AbortSignal): Promise<RatingPage> {
    const params = new URLSearchParams({ page: String(query.page), page_size: String(query.pageSize) });
    if (query.updatedSince) params.set('updated_since', query.updatedSince);
    const response = await http.call(`${MARKETPLACE.ratings}?${params}`, { signal, passStatuses: RATING_EXTENSION_MISSING });
    if (response.status >= 400) throw new ExtensionMissingError('ratings_list', response.status);
    const body = response.body;
    if (!isRecord(body) || !Array.isArray(body.ratings)) {
      throw new RemoteError('invalid_response', 'GET /ratings: no "ratings" list');
    }
    const ratings = body.ratings.map(validateRating).filter((r) => r !== null);
    // The newest stamp here (our own writes included) says how far the server's stamp clock has got.
    const newest = Math.max(...ratings.map((r) => instant(r.updated_at)).filter((t) => !Number.isNaN(t)));
    if (Number.isFinite(newest)) http.serverClock.recordStamp(newest, options.clock.now(), response.serverTime);
    return {
      ratings,
      received: body.ratings.length,
      invalid: body.ratings.length - ratings.length,
      total: finiteOrNull(body.total),
      totalPages: finiteOrNull(body.total_pages),
      pageSize: finiteOrNull(body.page_size) ?? query.pageSize,
    };
  }

  return {
    listSkills,
    getSkill,
    listCategories,
    rate,
    updateRating,
    uploadRatings,
    listRatings,
    serverClockOffsetMs: () => http.serverClockOffsetMs(),
    close: () => http.close(),
  };
}
