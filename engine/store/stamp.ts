/**
 * Strictly increasing ISO timestamps for rows the engine writes. The local-edit trigger tells
 * our writes from the local Atom's by a changed `synced_at`, so two writes in one millisecond
 * must still get different stamps.
 */
export interface Stamper {
  (): string;
  /**
   * Keeps every later stamp after `iso`: a listing resumed by a process whose clock is behind the
   * one that started it must still mark the rows it writes as seen after the listing's cutoff.
   */
  raiseTo(iso: string): void;
}

export function createStamper(now: () => number = Date.now): Stamper {
  let last = 0;
  const stamp = (() => {
    const t = Math.max(now(), last + 1);
    last = t;
    return new Date(t).toISOString();
  }) as Stamper;
  stamp.raiseTo = (iso) => {
    const t = Date.parse(iso);
    if (!Number.isNaN(t)) last = Math.max(last, t);
  };
  return stamp;
}
