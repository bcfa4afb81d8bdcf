import { Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../log/index.js';
import { testConnection } from '../remote/connectionTest.js';
import { apiError, methodNotAllowed } from './errors.js';
import type { ApiDeps } from './types.js';
import { parseBody, quote } from './validate.js';

const bodySchema = z.object({ api_url: z.string().max(2048).optional(), api_token: z.string().max(4096).optional() }).strict();

/** A person waits for this answer: no longer than this, even when the sync's own timeout is longer. */
const MAX_WAIT_MS = 15_000;

/** As the env parser reads ATOM_SAAS_API_URL: an absolute http(s) URL, without trailing slashes. */
function checkedApiUrl(raw: string): string {
  const value = raw.trim();
  let parsed: URL | null = null;
  try {
    parsed = new URL(value);
  } catch {
    // reported below
  }
  if (!parsed) throw apiError(400, 'invalid_setting', `api_url must be an absolute URL (http or https); got ${quote(value)}.`, { field: 'api_url' });
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw apiError(400, 'invalid_setting', `api_url must be an http or https URL; got ${quote(value)}.`, { field: 'api_url' });
  }
  return value.replace(/\/+$/, '');
}

/**
 * POST /test-connection: one real call to Atom SaaS with the given (or saved) address and token,
 * through the configured proxy; 200 with what happened in plain words, whether it worked or not.
 */
export function connectionRoutes(deps: Pick<ApiDeps, 'config' | 'publicConfig'>, log: Logger): Router {
  const router = Router();
  router
    .route('/test-connection')
    .post(async (req, res) => {
      const body = parseBody(req, bodySchema) ?? {};
      // Read each time: the settings can change while the engine runs.
      const config = deps.config;
      const apiUrl = body.api_url !== undefined ? checkedApiUrl(body.api_url) : (config.apiUrl ?? deps.publicConfig().api_url);
      // In demo mode the public settings carry the address of the emulator the engine started.
      if (!apiUrl) {
        throw apiError(400, 'invalid_setting', 'api_url is required: no Atom SaaS address is configured.', { field: 'api_url' });
      }
      const token = body.api_token !== undefined ? body.api_token.trim() || null : config.apiToken;
      const result = await testConnection({
        apiUrl,
        token,
        proxy: config.proxy,
        timeoutMs: Math.min(config.httpTimeoutMs, MAX_WAIT_MS),
        instanceId: config.instanceId,
      });
      log.info('connection test', { host: new URL(apiUrl).host, outcome: result.outcome, status: result.status ?? undefined, elapsed_ms: result.elapsed_ms });
      res.json(result);
    })
    .all(methodNotAllowed('POST'));
  return router;
}
