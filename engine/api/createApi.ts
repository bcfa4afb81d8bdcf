import express, { Router, type Express } from 'express';
import { conflictRoutes } from './conflictRoutes.js';
import { connectionRoutes } from './connectionRoutes.js';
import { leaderOnly } from './leaderOnly.js';
import { logLevelRoutes } from './logLevelRoutes.js';
import { settingsRoutes } from './settingsRoutes.js';
import { supportRoutes } from './supportRoutes.js';
import { errorHandler, methodNotAllowed, notFoundHandler } from './errors.js';
import { liveEvents } from './liveEvents.js';
import { monitoringRoutes } from './monitoringRoutes.js';
import { ratingRoutes } from './ratingRoutes.js';
import { hostGuard, optionsResponder, originGuard, securityHeaders, singleValuedQuery, tokenGuard } from './security.js';
import { staticUi } from './staticUi.js';
import { syncRoutes } from './syncRoutes.js';
import type { ApiDeps } from './types.js';
import { websocketRoutes } from './websocketRoutes.js';

export type { ApiDeps } from './types.js';
export type { LiveOptions } from './liveEvents.js';

/** JSON bodies here are small (a list of conflict ids, a few merge choices). */
export const BODY_LIMIT = '64kb';

/**
 * The local HTTP API: probes and metrics, the admin API operators use with curl, the live stream
 * and the UI. Safety checks run before any route; every failure leaves as `{error, detail}` JSON.
 */
export function createApi(deps: ApiDeps): Express {
  const log = deps.log.child('api');
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Node's querystring: a repeated parameter becomes an array, which `singleValuedQuery` refuses.
  app.set('query parser', 'simple');

  app.use(securityHeaders);
  app.use(hostGuard(deps.config.host, log));
  app.use(originGuard(log));
  app.use(optionsResponder);
  app.use(singleValuedQuery);

  app.use(monitoringRoutes(deps));

  const admin = Router();
  admin.use(tokenGuard(deps.config.adminToken, log));
  admin.use(express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  admin.use(leaderOnly(deps.replica));
  admin.use(syncRoutes(deps, log));
  admin.use(ratingRoutes(deps, log));
  admin.use(websocketRoutes(deps, log));
  admin.use(conflictRoutes(deps, log));
  admin.use(logLevelRoutes(deps, log));
  admin.use(settingsRoutes(deps, log));
  admin.use(supportRoutes({ bundle: deps.supportBundle }, log));
  admin.use(connectionRoutes(deps, log));
  admin
    .route('/events')
    .get(liveEvents({ events: deps.events, snapshot: deps.snapshot, clock: deps.clock, log, ...(deps.live ? { options: deps.live } : {}) }))
    .all(methodNotAllowed('GET'));
  app.use('/api/admin/sync', admin);
  // Token checks cover the whole admin namespace, including paths that do not exist.
  app.use('/api/admin', tokenGuard(deps.config.adminToken, log));

  app.use(staticUi(deps.staticDir));
  app.use(notFoundHandler);
  app.use(errorHandler(log));
  return app;
}
