import { Router } from 'express';
import { z } from 'zod';
import { LOG_LEVELS, type LogLevel, type Logger } from '../log/index.js';
import { apiError, methodNotAllowed } from './errors.js';
import type { ApiDeps } from './types.js';
import { parseBody } from './validate.js';

const bodySchema = z.object({ level: z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]]) }).strict();

/** The log level of the running engine, switched without a restart (a restart goes back to ATOM_LOG_LEVEL). */
export function logLevelRoutes(deps: Pick<ApiDeps, 'logLevel'>, log: Logger): Router {
  const router = Router();
  const control = () => {
    if (!deps.logLevel) throw apiError(409, 'log_level_fixed', 'This engine was given its logger and its level cannot be switched; set ATOM_LOG_LEVEL and restart.');
    return deps.logLevel;
  };
  router
    .route('/log-level')
    .get((_req, res) => void res.json({ level: control().get(), reverts_on_restart: true }))
    .post((req, res) => {
      const body = parseBody(req, bodySchema);
      if (!body) throw apiError(400, 'invalid_body', `Send {"level": "..."} with one of ${LOG_LEVELS.join(', ')}.`);
      const levels = control();
      const previous = levels.get();
      levels.set(body.level);
      log.warn('log level switched until the next restart', { previous, level: body.level });
      res.json({ level: body.level, previous, reverts_on_restart: true });
    })
    .all(methodNotAllowed('GET', 'POST'));
  return router;
}
