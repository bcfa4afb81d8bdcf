import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { EngineError, errorKind, RemoteError } from '../errors.js';
import type { Logger } from '../log/index.js';

/** An error the API answers with as `{error, detail, ...extra}`; thrown by handlers and validators. */
export function apiError(status: number, code: string, detail: string, extra?: Record<string, unknown>): EngineError {
  return new EngineError(code, status, detail, extra);
}

export function sendError(res: Response, status: number, code: string, detail: string, extra: Record<string, unknown> = {}): void {
  const { error: _e, detail: _d, ...rest } = extra;
  res.status(status).json({ error: code, detail, ...rest });
}

/** Answers a known path called with a method it does not support. */
export function methodNotAllowed(...allowed: string[]): RequestHandler {
  const list = allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed;
  return (req, res) => {
    res.set('Allow', list.join(', '));
    sendError(res, 405, 'method_not_allowed', `${req.method} is not supported on ${req.path}; use ${allowed.join(' or ')}.`);
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(res, 404, 'not_found', `There is no ${req.method} ${req.path}; see /health/sync or /api/admin/sync/status.`);
};

interface HttpishError {
  type?: unknown;
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
}

/** Errors raised by express and body-parser before a handler runs (bad JSON, too large, bad encoding). */
function fromHttpError(err: HttpishError): { status: number; code: string; detail: string } | null {
  switch (err.type) {
    case 'entity.too.large':
      return { status: 413, code: 'payload_too_large', detail: 'The request body is larger than 64 kB; send a smaller JSON body.' };
    case 'entity.parse.failed':
      return { status: 400, code: 'invalid_json', detail: 'The request body is not valid JSON; send a JSON object such as {"conflict_ids": [1, 2]}.' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, code: 'unsupported_media_type', detail: 'Send the body as UTF-8 JSON with Content-Type: application/json.' };
    case 'request.aborted':
    case 'request.size.invalid':
      return { status: 400, code: 'bad_request', detail: 'The request body was cut short; send it again.' };
    default:
      break;
  }
  const status = typeof err.status === 'number' ? err.status : typeof err.statusCode === 'number' ? err.statusCode : null;
  if (status !== null && status >= 400 && status < 500) {
    if (status === 404) return { status, code: 'not_found', detail: 'Nothing is served at this path.' };
    return { status, code: status === 400 ? 'bad_request' : 'request_rejected', detail: 'The request could not be read; check the path, query and body.' };
  }
  return null;
}

function fromRemote(err: RemoteError): { status: number; code: string; detail: string } {
  if (err.kind === 'auth') {
    return { status: 503, code: 'remote_auth_failed', detail: 'Atom SaaS refused the API token; check ATOM_SAAS_API_TOKEN and try again.' };
  }
  if (err.kind === 'proxy_auth') {
    // The message names the proxy (never its password) and says where the credentials go.
    return { status: 503, code: 'proxy_auth_required', detail: err.message };
  }
  if (err.transient) {
    return { status: 503, code: 'remote_unavailable', detail: `Atom SaaS is not reachable right now (${err.kind}); try again later.` };
  }
  return { status: 502, code: 'remote_error', detail: `Atom SaaS answered with an error (${err.kind}); see the log for details.` };
}

/** Every failure becomes `{error, detail}` JSON: never HTML, never a stack trace. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, _next) => {
    if (res.headersSent) {
      // A stream (SSE) already started: the only honest thing left is to end it.
      log.warn('request failed after the response started', { path: req.path, error: String((err as Error)?.message ?? err) });
      res.end();
      return;
    }
    if (err instanceof EngineError) {
      const status = err.status >= 400 && err.status < 600 ? err.status : 500;
      return sendError(res, status, err.code, err.detail, err.extra);
    }
    if (err instanceof RemoteError) {
      const mapped = fromRemote(err);
      log.warn('request needed Atom SaaS and it failed', { path: req.path, kind: err.kind, error: err.message });
      return sendError(res, mapped.status, mapped.code, mapped.detail, { kind: err.kind });
    }
    if (errorKind(err) === 'database' && ['connect', 'lost', 'timeout'].includes(String((err as { reason?: unknown }).reason))) {
      log.warn('request needed the database and it cannot be reached', { path: req.path, error: (err as Error).message });
      res.setHeader('Retry-After', '5');
      return sendError(res, 503, 'database_unavailable', `The database cannot be reached right now: ${(err as Error).message}; try again in a few seconds.`);
    }
    if (errorKind(err) === 'database_busy') {
      log.warn('request waited too long for the database', { path: req.path });
      res.setHeader('Retry-After', '5');
      return sendError(res, 503, 'database_busy', 'The database is locked by another process (the local Atom app); try again in a few seconds.');
    }
    const mapped = err !== null && typeof err === 'object' ? fromHttpError(err as HttpishError) : null;
    if (mapped) return sendError(res, mapped.status, mapped.code, mapped.detail);
    log.error('unexpected error in API handler', {
      method: req.method,
      path: req.path,
      error: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
    sendError(res, 500, 'internal_error', 'The engine hit an unexpected error; see the log for details and try again.');
  };
}
