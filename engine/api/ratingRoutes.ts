import { Router } from 'express';
import type { Logger } from '../log/index.js';
import { apiError, methodNotAllowed } from './errors.js';
import type { ApiDeps } from './types.js';
import { idParam, intQuery } from './validate.js';

/** Rating sync: trigger, status, failed uploads and their retries. */
export function ratingRoutes(deps: Pick<ApiDeps, 'services'>, log: Logger): Router {
  const { ratings } = deps.services;
  const router = Router();

  router
    .route('/ratings')
    .post((_req, res) => {
      const outcome = ratings.trigger();
      if (!outcome.accepted) {
        if (outcome.reason === 'disabled') {
          throw apiError(503, 'rating_sync_disabled', 'Rating sync is disabled in configuration; enable sync and restart.');
        }
        throw apiError(409, 'rating_sync_in_progress', 'A rating sync is already running; watch GET /api/admin/sync/ratings/status.');
      }
      log.info('rating sync triggered');
      res.status(202).json({ accepted: true });
    })
    .all(methodNotAllowed('POST'));

  router.route('/ratings/status').get((_req, res) => void res.json(ratings.status())).all(methodNotAllowed('GET'));

  router
    .route('/ratings/failed-uploads')
    .get(async (req, res) => {
      const limit = intQuery(req, 'limit', { min: 1, max: 500, fallback: 50 });
      const offset = intQuery(req, 'offset', { min: 0, max: 100_000_000, fallback: 0 });
      res.json(await ratings.failedUploads(limit, offset));
    })
    .all(methodNotAllowed('GET'));

  router
    .route('/ratings/failed-uploads/retry-all')
    .post(async (_req, res) => {
      const outcome = await ratings.retryAll();
      log.info('retry of every failed rating upload requested', { queued: outcome.queued });
      res.status(202).json({ accepted: true, queued: outcome.queued });
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/ratings/failed-uploads/:id/retry')
    .post(async (req, res) => {
      const id = idParam(req, 'failed upload');
      const result = await ratings.retry(id);
      log.info('failed rating upload retried', { id, result: result.result });
      res.json(result);
    })
    .all(methodNotAllowed('POST'));

  return router;
}
