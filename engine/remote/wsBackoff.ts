/**
 * Reconnect delays 1, 2, 4, 8, 16 s … capped, with ±20 % jitter (random 0.5 gives the exact
 * step, which tests use). A server's Retry-After is a floor.
 */
export function wsBackoffDelay(attempt: number, maxSeconds: number, random: () => number, retryAfterMs: number | null = null): number {
  const base = Math.min(maxSeconds, 2 ** Math.max(0, attempt - 1)) * 1000;
  const jittered = Math.round(base * (0.8 + 0.4 * random()));
  return Math.max(jittered, retryAfterMs ?? 0);
}
