import type { ErrorKind } from '../contracts/localHttpApi.js';
import { EQUAL_JITTER, type Backoff } from './backoff.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/** The delays between attempts: doubling from the base up to the cap, with equal jitter (see backoff.ts). */
export function retryBackoff(policy: RetryPolicy): Backoff {
  return { baseMs: policy.baseDelayMs, capMs: policy.maxDelayMs, jitter: EQUAL_JITTER };
}

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  if (/^\d+(\.\d+)?$/.test(text.trim())) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

export function kindForStatus(status: number): ErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limited';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 504) return 'timeout';
  if (status >= 500) return 'unavailable';
  return 'rejected';
}

/** Network-level failures from undici/node that are worth retrying. */
export function kindForNetworkError(error: unknown): ErrorKind {
  const code = (error as { code?: string })?.code ?? '';
  const name = (error as { name?: string })?.name ?? '';
  if (/TIMEOUT/i.test(code) || name === 'TimeoutError') return 'timeout';
  return 'network';
}
