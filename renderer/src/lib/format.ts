/**
 * Plain-words formatting of times, durations and counts (pure; `now` is passed in). Ages are
 * told by engine/status/formatAge.ts, shared with the tray.
 */
import { formatAge } from '../../../engine/status/formatAge.js';

const MINUTE = 60_000;

function parse(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? null : at;
}

/** "in 4 min", "in 30 s", "due now" for a time already passed; `none` without a time. */
export function formatUntil(iso: string | null | undefined, now: number, none = 'not scheduled'): string {
  const at = parse(iso);
  if (at === null) return none;
  const wait = at - now;
  if (wait <= 1_000) return 'due now';
  return `in ${formatAge(wait, 'fine')}`;
}

/** "850 ms", "1.2 s", "12 s", "2 min 5 s"; an en dash for no value. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < MINUTE) return `${Math.round(ms / 1000)} s`;
  const minutes = Math.floor(ms / MINUTE);
  const seconds = Math.round((ms % MINUTE) / 1000);
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local date and time, "2025-03-04 14:05:09"; `none` without a readable time. */
export function formatDateTime(iso: string | null | undefined, none = '–'): string {
  const at = parse(iso);
  if (at === null) return none;
  const d = new Date(at);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** 12345 -> "12,345". */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return Math.round(n).toLocaleString('en-US');
}

/** A setting's value as shown: quantities grouped ("1,000"), identifiers such as a port as they are ("8000"). */
export function formatSetting(key: string, value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return /(^|_)(port|id)$/.test(key) ? String(value) : formatCount(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** "1 conflict", "3 conflicts". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Machine words for people: "both_modified" -> "Both modified", "local_wins" -> "Local wins". */
export function humanize(code: string | null | undefined): string {
  if (!code) return '–';
  const words = code.replace(/[_.]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** First letter upper-case, for sentences the engine writes in lower case. */
export function sentence(text: string): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

/** 512 -> "512 bytes", 12_345 -> "12 KB", 3_400_000 -> "3.2 MB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–';
  if (n < 1024) return `${Math.round(n)} bytes`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** A local clock time, "14:05", with the date in front when it is not today: "2025-03-05 14:05". */
export function formatClockTime(iso: string | null | undefined, now: number): string {
  const at = parse(iso);
  if (at === null) return '–';
  const d = new Date(at);
  const today = new Date(now);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const sameDay = d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
  return sameDay ? time : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}
