import {
  MARKETPLACE,
  type BatchRatingItem,
  type BatchRatingResult,
  type RateRequest,
  type RateResponse,
  type RatingListResponse,
  type RemoteCategory,
  type RemoteSkill,
} from '../contracts/remote.js';
import { ExtensionMissingError, RemoteError } from '../errors.js';
import { HttpTransport, type HttpTransportOptions } from './httpTransport.js';
import { validateCategory, validateRating, validateSkillEntry } from './skillValidation.js';
import type { MarketplaceClient, SkillPage, SkillPageQuery } from './types.js';

export interface MarketplaceClientOptions extends Omit<HttpTransportOptions, 'baseUrl'> {
  apiUrl: string;
  /** An item skipped as invalid (counted as sync_errors_total{kind="invalid_item"}). */
  onInvalidItem?: (reason: string, skillId: string | null) => void;
}

/** Statuses by which a server says it lacks an *ext* capability. */
const EXTENSION_MISSING = [400, 404, 405, 501] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
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
      invalid: 0,
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
        page.invalid++;
        options.onInvalidItem?.(checked.reason, checked.skillId);
      }
    }
    return page;
  }

  async function getSkill(skillId: string, signal?: AbortSignal): Promise<RemoteSkill | null> {
    const response = await http.call(MARKETPLACE.skill(skillId), { signal, passStatuses: [404] });
    if (response.status === 404) return null;
    const checked = validateSkillEntry(response.body);
    if (checked.kind !== 'skill') throw new RemoteError('invalid_response', `GET skill ${skillId}: invalid skill body`);
    return checked.skill;
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

  async function rate(req: RateRequest, signal?: AbortSignal): Promise<RateResponse> {
    const response = await http.call(MARKETPLACE.rate(req.skill_id), { method: 'POST', body: req, signal });
    const body = response.body;
    if (!isRecord(body) || typeof body.rating_id !== 'string') {
      throw new RemoteError('invalid_response', `POST rate ${req.skill_id}: no rating_id in the answer`);
    }
    return { success: true, rating_id: body.rating_id };
  }

  async function uploadRatings(items: readonly BatchRatingItem[], signal?: AbortSignal): Promise<BatchRatingResult[]> {
    const response = await http.call(MARKETPLACE.ratingsBatch, {
      method: 'POST',
      body: { ratings: items },
      signal,
      passStatuses: EXTENSION_MISSING,
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

  async function listRatings(
    query: { updatedSince: string | null; page: number; pageSize: number },
    signal?: AbortSignal,
  ): Promise<RatingListResponse> {
    const params = new URLSearchParams({ page: String(query.page), page_size: String(query.pageSize) });
    if (query.updatedSince) params.set('updated_since', query.updatedSince);
    const response = await http.call(`${MARKETPLACE.ratings}?${params}`, { signal, passStatuses: EXTENSION_MISSING });
    if (response.status >= 400) throw new ExtensionMissingError('ratings_list', response.status);
    const body = response.body;
    if (!isRecord(body) || !Array.isArray(body.ratings)) {
      throw new RemoteError('invalid_response', 'GET /ratings: no "ratings" list');
    }
    const ratings = body.ratings.map(validateRating).filter((r) => r !== null);
    return {
      ratings,
      total: finiteOrNull(body.total) ?? ratings.length,
      page: finiteOrNull(body.page) ?? query.page,
      page_size: finiteOrNull(body.page_size) ?? query.pageSize,
      total_pages: finiteOrNull(body.total_pages) ?? undefined,
      cursor: typeof body.cursor === 'string' ? body.cursor : undefined,
    };
  }

  return { listSkills, getSkill, listCategories, rate, uploadRatings, listRatings, close: () => http.close() };
}
