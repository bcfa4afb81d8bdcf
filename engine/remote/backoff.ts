/**
 * The one backoff formula, for the HTTP retries, the socket's reconnects and the rating uploads.
 * The step doubles from `baseMs` (attempt 1) up to `capMs`; the jitter band then places the
 * delay within [low × step, high × step] by a random draw. A floor (a server's Retry-After) is
 * never shortened.
 */
export interface Backoff {
  baseMs: number;
  capMs: number;
  /** The share of the step that a draw of 0 and of 1 gives; none by default. */
  jitter?: Jitter;
}

export type Jitter = readonly [low: number, high: number];

/**
 * Equal jitter: half the step fixed, the other half random. Clients that failed together come
 * back spread out, and none sooner than half the step (full jitter, [0, 1], could retry at once).
 */
export const EQUAL_JITTER: Jitter = [0.5, 1];

export function backoffDelay(backoff: Backoff, attempt: number, random: () => number = Math.random, floorMs: number | null = null): number {
  const step = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(attempt - 1, 0));
  const [low, high] = backoff.jitter ?? [1, 1];
  const delay = low === high ? step * low : step * low + random() * (step * (high - low));
  return Math.max(Math.round(delay), floorMs ?? 0);
}
