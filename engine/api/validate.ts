import type { Request } from 'express';
import { z } from 'zod';
import { RESOLUTION_STRATEGIES, type ResolutionStrategy } from '../contracts/localHttpApi.js';
import { apiError } from './errors.js';

/** User input echoed in a detail: quoted and short. */
export const quote = (value: string): string => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/** A query value (repeats are refused earlier by `singleValuedQuery`). */
export function queryValue(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

export function intQuery(req: Request, name: string, range: { min: number; max: number; fallback: number }): number {
  const raw = queryValue(req, name);
  if (raw === undefined || raw === '') return range.fallback;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw apiError(400, 'invalid_query', `${name} must be a whole number from ${range.min} to ${range.max} (got ${quote(raw)}).`);
  }
  return value;
}

export function enumQuery<T extends string>(req: Request, name: string, values: readonly T[], fallback: T): T;
export function enumQuery<T extends string>(req: Request, name: string, values: readonly T[], fallback?: undefined): T | undefined;
export function enumQuery<T extends string>(req: Request, name: string, values: readonly T[], fallback?: T): T | undefined {
  const raw = queryValue(req, name);
  if (raw === undefined || raw === '') return fallback;
  if ((values as readonly string[]).includes(raw)) return raw as T;
  throw apiError(400, `invalid_${name}`, `${name} must be one of ${values.join(', ')} (got ${quote(raw)}).`);
}

/** `?strategy=` is required on resolve calls; the detail names the valid ones. */
export function strategyQuery(req: Request): ResolutionStrategy {
  const strategy = enumQuery(req, 'strategy', RESOLUTION_STRATEGIES);
  if (strategy === undefined) {
    throw apiError(400, 'invalid_strategy', `strategy is required: add ?strategy= with one of ${RESOLUTION_STRATEGIES.join(', ')}.`);
  }
  return strategy;
}

/** Path ids are positive whole numbers. */
export function idParam(req: Request, what: string): number {
  const raw = String(req.params.id ?? '');
  const value = /^[1-9]\d{0,14}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value)) throw apiError(400, 'invalid_id', `${what} id must be a positive whole number (got ${quote(raw)}).`);
  return value;
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The parsed JSON body checked against `schema`; undefined when none was sent (or an empty one).
 * A body in another format is refused rather than silently ignored.
 */
export function parseBody<T>(req: Request, schema: z.ZodType<T>): T | undefined {
  const body: unknown = req.body;
  if (body === undefined) {
    if (hasBody(req) && !req.is(['application/json', 'application/*+json'])) {
      throw apiError(415, 'unsupported_media_type', 'Send the body as JSON with the header Content-Type: application/json.');
    }
    return undefined;
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `body.${issue.path.join('.')}` : 'body';
    throw apiError(400, 'invalid_body', `${where}: ${issue?.message ?? 'invalid'}.`);
  }
  return parsed.data;
}

/** `"api"` or `"api:<product>"` from the caller's User-Agent (`curl/8.5` -> `api:curl`). */
export function resolvedBy(req: Request): string {
  const product = /^([A-Za-z0-9._-]{1,40})/.exec(req.headers['user-agent'] ?? '')?.[1];
  return product ? `api:${product}` : 'api';
}
