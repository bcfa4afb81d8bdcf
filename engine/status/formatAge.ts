/**
 * Spans of time and ages in words, for the tray, the notifications and the window alike (pure;
 * `now` is passed in). Two levels of detail: `brief` in whole units, short enough for a tray
 * tooltip; `fine` for the window, with seconds under a minute and minutes beside a few hours.
 */
export type AgeDetail = 'brief' | 'fine';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A span in words. Brief: "just now" under a minute, "4 min", "3 h", "2 d" (from 48 h).
 * Fine: "45 s", "3 min", "2 h 5 min" (under 10 h), "30 h", "3 d" (from 48 h).
 */
export function formatAge(ms: number, detail: AgeDetail = 'brief'): string {
  if (detail === 'brief') {
    if (!Number.isFinite(ms) || ms < MINUTE) return 'just now';
    const minutes = Math.floor(ms / MINUTE);
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    if (hours < 48) return `${hours} h`;
    return `${Math.floor(hours / 24)} d`;
  }
  const abs = Math.max(0, Math.round(ms));
  if (abs < MINUTE) return `${Math.floor(abs / 1000)} s`;
  if (abs < HOUR) return `${Math.floor(abs / MINUTE)} min`;
  if (abs < 10 * HOUR) {
    const hours = Math.floor(abs / HOUR);
    const minutes = Math.floor((abs % HOUR) / MINUTE);
    return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
  }
  if (abs < 2 * DAY) return `${Math.floor(abs / HOUR)} h`;
  return `${Math.floor(abs / DAY)} d`;
}

/** Age of an ISO timestamp at `now` (0 for a time ahead of it), or null when there is none (never synced) or it is unreadable. */
export function ageMs(iso: string | null | undefined, now: number): number | null {
  if (!iso) return null;
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return null;
  return Math.max(0, now - at);
}

/**
 * How long ago `iso` was: "just now" (under 10 s, or a time ahead of `now`), "42 s ago",
 * "2 h 5 min ago"; `never` without a readable time. Brief: "just now" under a minute, "2 h ago".
 */
export function formatAgo(iso: string | null | undefined, now: number, never = 'never', detail: AgeDetail = 'fine'): string {
  const age = ageMs(iso, now);
  if (age === null) return never;
  if (age < (detail === 'brief' ? MINUTE : 10_000)) return 'just now';
  return `${formatAge(age, detail)} ago`;
}

/** One line, at most `max` characters, ellipsis when cut (Windows tooltips stop at 127). */
export function clip(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (oneLine.length <= max) return oneLine;
  return `${oneLine.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}
