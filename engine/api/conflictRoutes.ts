import { Router } from 'express';
import { z } from 'zod';
import type { MergeChoice, ResolveBody, Severity } from '../contracts/localHttpApi.js';
import type { Logger } from '../log/index.js';
import { methodNotAllowed } from './errors.js';
import type { ApiDeps } from './types.js';
import { enumQuery, idParam, intQuery, parseBody, resolvedBy, strategyQuery } from './validate.js';

const STATUSES = ['unresolved', 'resolved', 'all'] as const;
const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

const resolveBodySchema = z
  .object({
    fields: z
      .record(z.string().min(1).max(100), z.unknown())
      .refine((fields) => Object.keys(fields).length <= 200, 'at most 200 fields')
      .optional(),
  })
  .strict();

const bulkBodySchema = z
  .object({
    conflict_ids: z
      .array(z.union([z.number().int().positive(), z.string().min(1).max(100)]))
      .max(10_000)
      .nullable()
      .optional(),
  })
  .strict();

/**
 * A merge choice per field: "local", "remote", {"value": x}, or a bare value (the spec's
 * `<value>`), which is taken as {"value": x}.
 */
export function toMergeChoice(raw: unknown): MergeChoice {
  if (raw === 'local' || raw === 'remote') return raw;
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const keys = Object.keys(raw);
    if (keys.length === 1 && keys[0] === 'value') return raw as { value: unknown };
  }
  return { value: raw };
}

/** Numeric strings ("12") are ids too; other strings are passed on and reported back as failed. */
const toConflictId = (id: number | string): number | string => (typeof id === 'string' && /^[1-9]\d{0,14}$/.test(id) ? Number(id) : id);

/** Conflict listing, detail and resolution (single and bulk). */
export function conflictRoutes(deps: Pick<ApiDeps, 'services'>, log: Logger): Router {
  const { conflicts } = deps.services;
  const router = Router();

  router
    .route('/conflicts')
    .get(async (req, res) => {
      const status = enumQuery(req, 'status', STATUSES, 'unresolved');
      const severity = enumQuery(req, 'severity', SEVERITIES);
      const limit = intQuery(req, 'limit', { min: 1, max: 500, fallback: 50 });
      const offset = intQuery(req, 'offset', { min: 0, max: 100_000_000, fallback: 0 });
      res.json(await conflicts.list({ status, ...(severity ? { severity } : {}), limit, offset }));
    })
    .all(methodNotAllowed('GET'));

  router
    .route('/conflicts/bulk-resolve')
    .post(async (req, res) => {
      const strategy = strategyQuery(req);
      const body = parseBody(req, bulkBodySchema);
      const ids = body?.conflict_ids ? body.conflict_ids.map(toConflictId) : null;
      const by = resolvedBy(req);
      const result = await conflicts.bulkResolve(ids, strategy, by);
      log.info('conflicts resolved in bulk', { strategy, requested: ids === null ? 'all unresolved' : ids.length, resolved: result.resolved, failed: result.failed.length, by });
      res.json(result);
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/conflicts/:id')
    .get(async (req, res) => void res.json(await conflicts.get(idParam(req, 'conflict'))))
    .all(methodNotAllowed('GET'));

  router
    .route('/conflicts/:id/resolve')
    .post(async (req, res) => {
      const id = idParam(req, 'conflict');
      const strategy = strategyQuery(req);
      const body = parseBody(req, resolveBodySchema);
      const resolveBody: ResolveBody = {};
      if (body?.fields) resolveBody.fields = Object.fromEntries(Object.entries(body.fields).map(([field, raw]) => [field, toMergeChoice(raw)]));
      const by = resolvedBy(req);
      const result = await conflicts.resolve(id, strategy, resolveBody, by);
      log.info('conflict resolved', { id, strategy, by });
      res.json(result);
    })
    .all(methodNotAllowed('POST'));

  return router;
}
