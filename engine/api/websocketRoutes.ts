import { Router } from 'express';
import type { Logger } from '../log/index.js';
import { apiError, methodNotAllowed } from './errors.js';
import type { ApiDeps } from './types.js';

/** The real-time channel: status and a forced reconnect. */
export function websocketRoutes(deps: Pick<ApiDeps, 'services'>, log: Logger): Router {
  const { websocket } = deps.services;
  const router = Router();

  router.route('/websocket/status').get((_req, res) => void res.json(websocket.status())).all(methodNotAllowed('GET'));

  router
    .route('/websocket/reconnect')
    .post((_req, res) => {
      if (!websocket.status().enabled) {
        throw apiError(409, 'websocket_disabled', 'The WebSocket is disabled; set ATOM_SAAS_WS_ENABLED=true (and a WebSocket URL) and restart.');
      }
      websocket.reconnect();
      log.info('websocket reconnect requested via api');
      res.status(202).json({ accepted: true });
    })
    .all(methodNotAllowed('POST'));

  return router;
}
