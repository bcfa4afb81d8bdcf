import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../log/index.js';
import { sendError } from './errors.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Headers every answer carries: no sniffing, no framing, no referrer, nothing cached, no CORS. */
export const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
} as const;

export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set(SECURITY_HEADERS);
  next();
};

/** `localhost:8000` -> `localhost`, `[::1]:8000` -> `::1`; null when the header is not a host[:port]. */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const value = header.trim().toLowerCase();
  const match = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::(\d{1,5}))?$/.exec(value);
  if (!match) return null;
  return (match[1] ?? match[2] ?? '').replace(/\.$/, '') || null;
}

/**
 * Only loopback names reach the API (a DNS-rebinding page has a foreign Host). When the API is
 * deliberately bound elsewhere (which requires an admin token), that address is accepted too.
 */
export function hostAllowed(configHost: string): (hostHeader: string | undefined) => boolean {
  const bound = hostName(configHost.includes(':') && !configHost.startsWith('[') ? `[${configHost}]` : configHost);
  const anyHost = WILDCARD_HOSTS.has(configHost);
  return (hostHeader) => {
    const name = hostName(hostHeader);
    return name !== null && (LOOPBACK_NAMES.has(name) || anyHost || name === bound);
  };
}

export function hostGuard(configHost: string, log: Logger): RequestHandler {
  const allowed = hostAllowed(configHost);
  return (req, res, next) => {
    if (allowed(req.headers.host)) return next();
    log.warn('request with a foreign Host header refused', { host: String(req.headers.host ?? '').slice(0, 100), path: req.path });
    sendError(res, 403, 'forbidden_host', 'This API answers to localhost only; call it as http://localhost:<port> or http://127.0.0.1:<port>.');
  };
}

/**
 * A web page on another origin must not change state here (CSRF): writes that carry a foreign
 * Origin, or that the browser marks as cross-site, are refused. curl sends neither header.
 */
export function originGuard(log: Logger): RequestHandler {
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    const own = `http://${String(req.headers.host ?? '').toLowerCase()}`;
    const foreignOrigin = origin !== undefined && origin.toLowerCase() !== own;
    if (!foreignOrigin && site !== 'cross-site') return next();
    log.warn('cross-origin write refused', { origin: String(origin ?? '').slice(0, 100), sec_fetch_site: site ?? null, path: req.path });
    sendError(res, 403, 'cross_origin', 'Changes are accepted from this app or from command-line tools only, not from other web pages.');
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** `Authorization: Bearer <token>` when an admin token is configured; compared in constant time. */
export function tokenGuard(adminToken: string | null, log: Logger): RequestHandler {
  if (adminToken === null) return (_req, _res, next) => next();
  const expected = digest(adminToken);
  return (req, res, next) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
    if (match?.[1] && timingSafeEqual(digest(match[1]), expected)) return next();
    log.warn('admin request without a valid token refused', { path: req.path, token_sent: match !== null });
    res.set('WWW-Authenticate', 'Bearer realm="atom-sync"');
    sendError(res, 401, 'unauthorized', 'This admin API needs a token: send Authorization: Bearer <ATOM_SYNC_ADMIN_TOKEN>.');
  };
}

/** Repeated query parameters (`?strategy=a&strategy=b`) are ambiguous: refuse them before any route reads one. */
export const singleValuedQuery: RequestHandler = (req, res, next) => {
  for (const [key, value] of Object.entries(req.query)) {
    if (typeof value !== 'string') {
      return sendError(res, 400, 'invalid_query', `Query parameter ${JSON.stringify(key.slice(0, 40))} must be given once, as a plain value.`);
    }
  }
  next();
};

/** Preflights are never granted (no CORS headers at all); plain OPTIONS gets an empty answer. */
export const optionsResponder: RequestHandler = (req, res, next) => {
  if (req.method !== 'OPTIONS') return next();
  res.set('Allow', 'GET, HEAD, POST, OPTIONS');
  res.status(204).end();
};
