/**
 * Keyset paging over a remote's `updated_since` listings (skills and ratings alike). Stamps are
 * compared as instants: mixed-precision ISO text ("…01Z" and "…01.500Z") sorts wrong as strings.
 */

/** Milliseconds since the epoch, or NaN for a missing or unreadable stamp. */
export function instant(iso: string | null | undefined): number {
  return iso ? Date.parse(iso) : NaN;
}

/** The later of two stamps (null = none); an unreadable stamp never wins. */
export function laterStamp(a: string | null, b: string | null): string | null {
  if (b === null || Number.isNaN(instant(b))) return a;
  if (a === null || Number.isNaN(instant(a))) return b;
  return instant(b) > instant(a) ? b : a;
}

/**
 * Where the next page may start: the newest stamp on the page strictly older than the page's
 * newest one. Asking for changes after it re-fetches the boundary rows (harmless: applying is
 * idempotent and de-duplicated) but never skips a row that shares the boundary stamp. Null when
 * the whole page carries one stamp: the caller then steps by page number under the same cursor.
 */
export function keysetSince(stamps: readonly string[]): string | null {
  let newest = -Infinity;
  for (const s of stamps) {
    const t = instant(s);
    if (t > newest) newest = t;
  }
  let below: number | null = null;
  let belowText: string | null = null;
  for (const s of stamps) {
    const t = instant(s);
    if (t < newest && (below === null || t > below)) {
      below = t;
      belowText = s;
    }
  }
  return belowText;
}

/** True when `next` starts strictly after `since`: a page that does not advance must not be asked for again. */
export function advances(next: string | null, since: string | null): boolean {
  if (next === null) return false;
  if (since === null) return true;
  return instant(next) > instant(since);
}

/**
 * A stored cursor moved back by an overlap margin, so rows a lagging or skewed server stamped just
 * before it are fetched again; the applier drops what it already holds.
 */
export function withOverlap(cursor: string, marginMs: number): string {
  const t = instant(cursor);
  return Number.isNaN(t) ? cursor : new Date(t - marginMs).toISOString();
}
