/**
 * The Atom SaaS marketplace paths (mounted at /api/v1/marketplace), with the *ext* ones the
 * engine uses for incremental sync and rating exchange. Faults are applied by the gate here.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { MARKETPLACE, type BatchRatingResult } from '../engine/contracts/remote.js';
import type { SkillFilters } from './catalogue.js';
import type { EmulatorCore } from './core.js';
import { loseReply, sendError, sendJson } from './httpReply.js';
import { churnAfterListing } from './mutations.js';
import { batchRating, createRating, updateRating } from './ratingIntake.js';
import { batchBodySchema, batchItemSchema, describeIssues, rateBodySchema, rateUpdateBodySchema } from './validation.js';

/** Real servers cap page_size silently rather than refuse it; so does the emulator. */
export const MAX_PAGE_SIZE = 1000;
export const MAX_BATCH = 1000;

class BadRequest extends Error {}

export function marketplaceRoutes(core: EmulatorCore, token?: string): Router {
  const router = express.Router();
  router.use((_req, res, next) => {
    core.requests++;
    // Explicit, so a skewed server clock shows in the header as it would on a real server.
    res.setHeader('Date', new Date(core.serverNow()).toUTCString());
    next();
  });
  if (token !== undefined) router.use(requireToken(token));
  router.use(faultGate(core));
  router.use(express.json({ limit: '8mb' }));

  /** The answer to a rating write: lost after commit when its fate says so. */
  const answer = (res: Response, status: number, body: unknown) => {
    if (loseReply(res)) {
      core.lostReplies++;
      return;
    }
    if (status < 300) sendJson(res, body, status);
    else res.status(status).json(body);
  };
  const refusal = (status: number, error: string) => ({ error: status === 404 ? 'not_found' : 'invalid_rating', detail: error });

  router.get(MARKETPLACE.skills, (req, res) => {
    const q = readQuery(req);
    const page = intParam(q.page, 'page', 1, 1);
    const asked = intParam(q.page_size, 'page_size', 1, 100);
    const size = servedPageSize(core, asked);
    const filters: SkillFilters = { category: q.category, skill_type: q.skill_type, query: q.query };
    const offset = (page - 1) * size;
    if (q.updated_since !== undefined && !core.faults.lacks('updated_since')) {
      const since = Date.parse(q.updated_since);
      if (Number.isNaN(since)) throw new BadRequest('updated_since must be an ISO 8601 timestamp');
      const includeDeleted = q.include_deleted === 'true' || q.include_deleted === '1';
      const slice = core.catalogue.listChanged(since, includeDeleted, filters, offset, size, core.faults.sinceInclusive);
      const cursor = slice.lastTime === null ? q.updated_since : new Date(slice.lastTime).toISOString();
      return sendJson(res, { skills: slice.items.map((e) => core.wireEntry(e)), ...paging(slice.total, page, asked), cursor });
    }
    const slice = core.catalogue.list(filters, offset, size);
    sendJson(res, { skills: slice.items.map((s) => core.wireSkill(s)), ...paging(slice.total, page, asked) });
    churnAfterListing(core);
  });

  router.get(`${MARKETPLACE.skills}/:id`, (req, res) => {
    const index = core.catalogue.liveIndex(String(req.params.id));
    if (index < 0) return sendError(res, 404, 'not_found', `no skill ${String(req.params.id)}`);
    sendJson(res, core.wireSkill(core.catalogue.skill(index)));
  });

  router.get(MARKETPLACE.categories, (_req, res) => sendJson(res, core.catalogue.categories()));

  router.post(`${MARKETPLACE.skills}/:id/rate`, (req, res) => {
    const skillId = String(req.params.id);
    const body = rateBodySchema.safeParse(req.body);
    if (!body.success) return answer(res, 422, refusal(422, describeIssues(body.error)));
    if (body.data.skill_id !== undefined && body.data.skill_id !== skillId) {
      return answer(res, 422, refusal(422, 'skill_id in the body differs from the path'));
    }
    const outcome = createRating(core, { ...body.data, skill_id: skillId, comment: body.data.comment ?? null });
    if (outcome.kind === 'refused') return answer(res, outcome.status, refusal(outcome.status, outcome.error));
    if (outcome.kind === 'conflict') {
      const id = core.faults.conflictOmitsRatingId ? {} : { rating_id: outcome.rating.rating_id };
      return answer(res, 409, { error: 'conflict', detail: 'Rating already exists', ...id });
    }
    answer(res, 200, { success: true, rating_id: outcome.rating.rating_id });
  });

  router.put(`${MARKETPLACE.skills}/:id/rate`, (req, res) => {
    const skillId = String(req.params.id);
    const body = rateUpdateBodySchema.safeParse(req.body);
    if (!body.success) return answer(res, 422, refusal(422, describeIssues(body.error)));
    if (body.data.skill_id !== undefined && body.data.skill_id !== skillId) {
      return answer(res, 422, refusal(422, 'skill_id in the body differs from the path'));
    }
    const { updated_at: updatedAt, ...data } = body.data;
    const outcome = updateRating(core, skillId, data.user_id, {
      rating: data.rating,
      comment: data.comment,
      ...(updatedAt === undefined ? {} : { updatedAtMs: Date.parse(updatedAt) }),
    });
    if (outcome.kind === 'refused') return answer(res, outcome.status, refusal(outcome.status, outcome.error));
    if (outcome.kind === 'missing') return answer(res, 404, { error: 'not_found', detail: `no rating of ${skillId} by ${data.user_id}` });
    // Refused as older: the answer shows what the server holds, so a client can tell its own earlier write from someone else's.
    const { rating, comment, updated_at } = outcome.rating;
    const held = outcome.updated || core.faults.refusalOmitsHeld ? {} : { held: { rating, comment, updated_at } };
    answer(res, 200, { success: true, rating_id: outcome.rating.rating_id, updated: outcome.updated, ...held });
  });

  router.post(MARKETPLACE.ratingsBatch, (req, res) => {
    if (core.faults.lacks('ratings_batch')) return sendError(res, 404, 'not_found', 'no such endpoint');
    const body = batchBodySchema.safeParse(req.body);
    if (!body.success) throw new BadRequest(`body must be {"ratings": [...]}: ${describeIssues(body.error)}`);
    if (body.data.ratings.length > MAX_BATCH) throw new BadRequest(`at most ${MAX_BATCH} ratings per batch`);
    const results = body.data.ratings.map((raw): BatchRatingResult => {
      const item = batchItemSchema.safeParse(raw);
      if (!item.success) {
        const clientId = (raw as { client_rating_id?: unknown } | null)?.client_rating_id;
        return { client_rating_id: typeof clientId === 'string' ? clientId : '', status: 'rejected', error: describeIssues(item.error) };
      }
      return batchRating(core, { ...item.data, comment: item.data.comment ?? null });
    });
    answer(res, 200, { results });
  });

  router.get(MARKETPLACE.ratings, (req, res) => {
    if (core.faults.lacks('ratings_list')) return sendError(res, 404, 'not_found', 'no such endpoint');
    const q = readQuery(req);
    const page = intParam(q.page, 'page', 1, 1);
    const asked = intParam(q.page_size, 'page_size', 1, 100);
    const size = servedPageSize(core, asked);
    const since = q.updated_since === undefined ? -Infinity : Date.parse(q.updated_since);
    if (Number.isNaN(since)) throw new BadRequest('updated_since must be an ISO 8601 timestamp');
    const slice = core.ratings.list(since, (page - 1) * size, size, core.faults.sinceInclusive);
    const cursor = slice.lastUpdatedAt ?? q.updated_since;
    sendJson(res, { ratings: slice.items, ...paging(slice.total, page, asked), ...(cursor === undefined ? {} : { cursor }) });
  });

  router.use((_req, res) => sendError(res, 404, 'not_found', 'no such endpoint'));
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    if (err instanceof BadRequest) return sendError(res, 400, 'bad_request', err.message);
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) return sendError(res, status, 'bad_request', (err as Error).message);
    sendError(res, 500, 'internal_error', (err as Error).message);
  });
  return router;
}

/**
 * How many items a page really holds: the asked size, capped at MAX_PAGE_SIZE and at the
 * page_size_cap fault. Offsets follow the served size, as a capping server computes them; the
 * body still echoes the asked size and counts total_pages from it.
 */
function servedPageSize(core: EmulatorCore, asked: number): number {
  return Math.min(asked, MAX_PAGE_SIZE, core.faults.pageSizeCap ?? MAX_PAGE_SIZE);
}

function requireToken(token: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (bearer === token || req.get('x-api-token') === token) return next();
    sendError(res, 401, 'unauthorized', 'missing or wrong API token');
  };
}

/** Rate limit, latency and error faults, decided once per request before it is served. */
function faultGate(core: EmulatorCore) {
  return (req: Request, res: Response, next: NextFunction) => {
    const fate = core.faults.decide(req.method === 'POST' || req.method === 'PUT');
    res.locals.fate = fate;
    if (fate.rateLimited) {
      res.set('Retry-After', String(core.faults.retryAfter));
      return sendError(res, 429, 'rate_limited', 'too many requests');
    }
    const proceed = () => {
      if (fate.errorStatus !== null) {
        // A real 503 often says when to come back; only when the fault set names a delay.
        if (fate.errorStatus === 503 && core.faults.current.retry_after !== undefined) res.set('Retry-After', String(core.faults.retryAfter));
        return sendError(res, fate.errorStatus, 'emulated_failure', `emulated HTTP ${fate.errorStatus}`);
      }
      next();
    };
    if (fate.latencyMs > 0) setTimeout(proceed, fate.latencyMs);
    else proceed();
  };
}

/** Single-valued query parameters; a repeated one is a client bug worth a 400. */
function readQuery(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.query)) {
    if (typeof value !== 'string') throw new BadRequest(`query parameter ${key} must be given once`);
    out[key] = value;
  }
  return out;
}

function intParam(raw: string | undefined, name: string, min: number, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= Number.MAX_SAFE_INTEGER)) throw new BadRequest(`${name} must be an integer >= ${min}`);
  return value;
}

function paging(total: number, page: number, pageSize: number) {
  return { total, page, page_size: pageSize, total_pages: Math.ceil(total / pageSize) };
}
