import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

export const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Paths the UI never owns: unknown ones there are JSON 404s, not the app shell. */
const API_PREFIXES = ['/api/', '/health/', '/metrics/'];

function usableDir(dir: string | null): string | null {
  if (!dir) return null;
  try {
    return statSync(dir).isDirectory() && existsSync(path.join(dir, 'index.html')) ? dir : null;
  } catch {
    return null;
  }
}

/**
 * The built renderer at `/` under a strict CSP, with a single-page-app fallback to index.html;
 * without a build, `/` answers a short JSON pointing at the API.
 */
export function staticUi(staticDir: string | null): Router {
  const router = Router();
  const dir = usableDir(staticDir);
  if (!dir) {
    router.get('/', (_req, res) => {
      res.json({ name: 'atom-sync', ui: false, health: '/health/sync', status: '/api/admin/sync/status', metrics: '/metrics/sync' });
    });
    return router;
  }
  const index = path.join(dir, 'index.html');
  router.use((_req, res, next) => {
    res.set('Content-Security-Policy', UI_CSP);
    next();
  });
  router.use(express.static(dir, { dotfiles: 'ignore', index: 'index.html', redirect: false }));
  router.get(/.*/, (req, res, next) => {
    const isApi = API_PREFIXES.some((prefix) => req.path.startsWith(prefix) || `${req.path}/` === prefix);
    // A path with a file extension is a missing asset, not a client-side route.
    if (isApi || path.extname(req.path) !== '') return next();
    res.set('Cache-Control', 'no-store').sendFile(index);
  });
  return router;
}
