/**
 * One call of a local Atom Sync API over loopback, as curl would make it (no Origin, no cookies),
 * with the admin token when one is configured. Used by the attached link.
 */
import { request, type Dispatcher } from 'undici';
import { LinkError } from './engineLink.js';

export interface ApiTarget {
  /** Base URL, e.g. http://127.0.0.1:8000. */
  url: string;
  adminToken: string | null;
  requestTimeoutMs?: number;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: unknown;
}

function flatHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The API's `{error, detail}` as an Error with the daemon's own sentence. */
export function refusal(what: string, answer: Answer): LinkError {
  const body = answer.json as { error?: unknown; detail?: unknown } | undefined;
  const detail = typeof body?.detail === 'string' ? body.detail : `${what} answered HTTP ${answer.status}`;
  return new LinkError(detail, answer.status, typeof body?.error === 'string' ? body.error : null);
}

export async function apiCall(options: ApiTarget, signal: AbortSignal | undefined, method: string, path: string, body?: unknown): Promise<Answer> {
  const timeout = options.requestTimeoutMs ?? 15_000;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.adminToken) headers.authorization = `Bearer ${options.adminToken}`;
  const res = await request(`${options.url.replace(/\/+$/, '')}${path}`, {
    method: method.toUpperCase() as Dispatcher.HttpMethod,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    headersTimeout: timeout,
    bodyTimeout: timeout,
    ...(signal ? { signal } : {}),
  });
  const text = await res.body.text();
  const answerHeaders = flatHeaders(res.headers);
  const json = (answerHeaders['content-type'] ?? '').includes('json') ? parseJson(text) : undefined;
  return { status: res.statusCode, headers: answerHeaders, text, json };
}
