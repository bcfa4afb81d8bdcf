/** /__emulator: faults, mutations, received ratings, reset and stats for tests and demos (loopback only). */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { EmulatorStats } from './types.js';
import type { EmulatorCore } from './core.js';
import { sendError } from './httpReply.js';
import { applyMutation } from './mutations.js';
import { EmulatorInputError, parseFaults, parseMutation } from './validation.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export interface ControlDeps {
  core: EmulatorCore;
  wsClients: () => number;
}

export function controlRoutes({ core, wsClients }: ControlDeps): Router {
  const router = express.Router();
  router.use((req, res, next) => {
    if (LOOPBACK.has(req.socket.remoteAddress ?? '')) return next();
    sendError(res, 403, 'forbidden', 'the control API answers loopback peers only');
  });
  router.use(express.json({ limit: '8mb' }));

  router.get('/faults', (_req, res) => {
    res.json(core.faults.current);
  });
  router.post('/faults', (req, res) => {
    res.json(core.setFaults(parseFaults(req.body)));
  });
  router.post('/mutate', (req, res) => {
    res.json(applyMutation(core, parseMutation(req.body)));
  });
  router.get('/ratings', (_req, res) => {
    res.json(core.ratings.receivedReport());
  });
  router.post('/reset', (_req, res) => {
    core.reset();
    res.json({ reset: true });
  });
  router.get('/stats', (_req, res) => {
    res.json(statsOf(core, wsClients()));
  });

  router.use((_req, res) => sendError(res, 404, 'not_found', 'no such control endpoint'));
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    if (err instanceof EmulatorInputError) return sendError(res, 400, 'bad_request', err.message);
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) return sendError(res, status, 'bad_request', (err as Error).message);
    sendError(res, 500, 'internal_error', (err as Error).message);
  });
  return router;
}

export function statsOf(core: EmulatorCore, wsClients: number): EmulatorStats {
  return {
    skills: core.catalogue.liveCount,
    deleted: core.catalogue.deletedCount,
    categories: core.dataset.categories.length,
    ratings_received: core.ratings.receivedCount,
    requests: core.requests,
    lost_replies: core.lostReplies,
    ws_clients: wsClients,
  };
}
