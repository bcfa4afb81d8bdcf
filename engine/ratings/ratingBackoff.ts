/** When a rating whose upload failed is tried again: 30 s, 60 s, 120 s … capped at the rating interval. */
export const FIRST_RETRY_DELAY_MS = 30_000;

export function retryDelayMs(attempts: number, capMs: number): number {
  const doublings = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(capMs, FIRST_RETRY_DELAY_MS * 2 ** doublings);
}

export function retryAt(nowMs: number, attempts: number, capMs: number): string {
  return new Date(nowMs + retryDelayMs(attempts, capMs)).toISOString();
}
