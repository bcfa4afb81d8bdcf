import { Router } from 'express';
import type { SyncMode } from '../contracts/localHttpApi.js';
import type { Logger } from '../log/index.js';
import type { TriggerOutcome } from '../services.js';
import { apiError, methodNotAllowed } from './errors.js';
import type { ApiDeps } from './types.js';
import { z } from 'zod';
import { enumQuery, intQuery, parseBody, queryValue, quote } from './validate.js';

const MODES: readonly SyncMode[] = ['incremental', 'full'];
/** `{minutes}` pauses for that long (at most a week); no body pauses until resumed. */
const PAUSE_BODY = z.object({ minutes: z.number().int().min(1).max(10_080).optional() }).strict();

function refusal(outcome: Extract<TriggerOutcome, { accepted: false }>) {
  switch (outcome.reason) {
    case 'sync_in_progress':
      return apiError(
        409,
        'sync_in_progress',
        `${outcome.run_id === null ? 'A sync' : `Sync run ${outcome.run_id}`} is still running; watch GET /api/admin/sync/status and trigger again when it is idle.`,
        { run_id: outcome.run_id },
      );
    case 'paused':
      return apiError(409, 'sync_paused', 'Sync is paused; resume it with POST /api/admin/sync/resume, then trigger again.');
    case 'disabled':
      return apiError(503, 'sync_disabled', 'Sync is disabled in configuration; set ATOM_SAAS_SYNC_ENABLED=true and restart.');
    case 'stopping':
      return apiError(503, 'engine_stopping', 'The engine is shutting down; trigger again after it restarts.');
  }
}

/** Catalogue sync control and history: trigger, status, runs, errors, snapshot, pause/resume. */
export function syncRoutes(deps: Pick<ApiDeps, 'services' | 'snapshot'>, log: Logger): Router {
  const { sync, scheduler } = deps.services;
  const router = Router();

  router
    .route('/trigger')
    .post(async (req, res) => {
      const mode = enumQuery(req, 'mode', MODES, 'incremental');
      if (scheduler.paused) throw refusal({ accepted: false, reason: 'paused', run_id: null });
      const outcome = await sync.trigger(mode, 'manual');
      if (!outcome.accepted) throw refusal(outcome);
      log.info('sync triggered', { run_id: outcome.run_id, mode: outcome.mode });
      res.status(202).json({ accepted: true, run_id: outcome.run_id, mode: outcome.mode });
    })
    .all(methodNotAllowed('POST'));

  router.route('/status').get((_req, res) => void res.json(sync.status())).all(methodNotAllowed('GET'));
  router.route('/snapshot').get((_req, res) => void res.json(deps.snapshot())).all(methodNotAllowed('GET'));
  router
    .route('/errors')
    .get(async (_req, res) => void res.json({ items: sync.recentErrors(), ...(await sync.invalidItems(500)) }))
    .all(methodNotAllowed('GET'));

  router
    .route('/runs')
    .get(async (req, res) => {
      const limit = intQuery(req, 'limit', { min: 1, max: 500, fallback: 50 });
      const stream = queryValue(req, 'stream');
      if (stream !== undefined && stream !== '' && !/^[a-z_]{1,32}$/.test(stream)) {
        throw apiError(400, 'invalid_query', `stream must be a stream name such as skills (got ${quote(stream)}).`);
      }
      // The service lists recent runs of every stream; a stream filter narrows that window.
      const items = (await sync.runs(limit)).filter((run) => !stream || run.stream === stream);
      res.json({ items });
    })
    .all(methodNotAllowed('GET'));

  router
    .route('/pause')
    .post((req, res) => {
      const body = parseBody(req, PAUSE_BODY);
      scheduler.pause(body?.minutes === undefined ? undefined : body.minutes * 60_000);
      log.info('scheduled sync paused', body?.minutes === undefined ? {} : { minutes: body.minutes });
      res.status(202).json({ accepted: true, paused: true, paused_until: scheduler.pausedUntil() });
    })
    .all(methodNotAllowed('POST'));
  router
    .route('/resume')
    .post((_req, res) => {
      scheduler.resume();
      log.info('scheduled sync resumed');
      res.status(202).json({ accepted: true, paused: false });
    })
    .all(methodNotAllowed('POST'));

  return router;
}
