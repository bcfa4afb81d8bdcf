import { Router } from 'express';
import type { Logger } from '../log/index.js';
import { apiError, methodNotAllowed } from './errors.js';
import type { ApiDeps } from './types.js';

/**
 * The effective settings (`GET /config`, never a token), what can be changed and where each value
 * comes from (`GET /settings`), and a change, applied live (`PUT /config`).
 */
export function settingsRoutes(deps: Pick<ApiDeps, 'publicConfig' | 'settings'>, log: Logger): Router {
  const router = Router();
  router
    .route('/config')
    .get((_req, res) => void res.json(deps.publicConfig()))
    .put(async (req, res) => {
      if (req.body === undefined) {
        throw apiError(415, 'unsupported_media_type', 'Send the settings as a JSON object with the header Content-Type: application/json.');
      }
      const config = await deps.settings.update(req.body);
      log.info('settings saved through the API', { fields: Object.keys(req.body as object) });
      res.json(config);
    })
    .all(methodNotAllowed('GET', 'PUT'));
  router.route('/settings').get((_req, res) => void res.json(deps.settings.describe())).all(methodNotAllowed('GET'));
  return router;
}
