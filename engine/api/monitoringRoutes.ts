import { Router } from 'express';
import { methodNotAllowed } from './errors.js';
import { healthStatusCode } from './probeFastPath.js';
import type { ApiDeps } from './types.js';

/** Probes and Prometheus: never behind a token, never dependent on the remote being up. */
export function monitoringRoutes(deps: Pick<ApiDeps, 'health' | 'metrics'>): Router {
  const router = Router();
  router
    .route('/health/sync')
    .get((_req, res) => {
      const health = deps.health();
      res.status(healthStatusCode(health)).json(health);
    })
    .all(methodNotAllowed('GET'));
  router
    .route('/health/live')
    .get((_req, res) => {
      res.json({ status: 'ok' });
    })
    .all(methodNotAllowed('GET'));
  router
    .route('/metrics/sync')
    .get(async (_req, res) => {
      const text = await deps.metrics.render();
      res.set('Content-Type', deps.metrics.contentType).send(text);
    })
    .all(methodNotAllowed('GET'));
  return router;
}
