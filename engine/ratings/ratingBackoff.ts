import { backoffDelay } from '../remote/backoff.js';

/** When a rating whose upload failed is tried again: 30 s, 60 s, 120 s … capped at the rating interval, no jitter. */
export const FIRST_RETRY_DELAY_MS = 30_000;

export function retryDelayMs(attempts: number, capMs: number): number {
  return backoffDelay({ baseMs: FIRST_RETRY_DELAY_MS, capMs }, attempts);
}

export function retryAt(nowMs: number, attempts: number, capMs: number): string {
  return new Date(nowMs + retryDelayMs(attempts, capMs)).toISOString();
}
