import { describe, expect, it } from 'vitest';
import { formatAge, formatAgo } from '../../engine/status/formatAge.js';
import { formatCount, formatDateTime, formatDuration, formatSetting, formatUntil, humanize, plural } from '../../renderer/src/lib/format.js';

const NOW = Date.parse('2025-06-01T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const later = (ms: number) => new Date(NOW + ms).toISOString();

describe('formatAgo (the window)', () => {
  it('says how long ago in plain words', () => {
    expect(formatAgo(ago(3_000), NOW)).toBe('just now');
    expect(formatAgo(ago(42_000), NOW)).toBe('42 s ago');
    expect(formatAgo(ago(3 * 60_000 + 20_000), NOW)).toBe('3 min ago');
    expect(formatAgo(ago(2 * 3_600_000 + 5 * 60_000), NOW)).toBe('2 h 5 min ago');
    expect(formatAgo(ago(3 * 3_600_000), NOW)).toBe('3 h ago');
    expect(formatAgo(ago(30 * 3_600_000), NOW)).toBe('30 h ago');
    expect(formatAgo(ago(5 * 86_400_000), NOW)).toBe('5 d ago');
  });

  it('says "never" (or the given word) without a time or with an unreadable one', () => {
    expect(formatAgo(null, NOW)).toBe('never');
    expect(formatAgo(undefined, NOW, 'none yet')).toBe('none yet');
    expect(formatAgo('not a date', NOW)).toBe('never');
  });

  it('treats a clock slightly ahead of ours as just now, not a negative age', () => {
    expect(formatAgo(later(2_000), NOW)).toBe('just now');
  });
});

describe('formatUntil', () => {
  it('counts down to a future time and says due now once passed', () => {
    expect(formatUntil(later(4 * 60_000 + 10_000), NOW)).toBe('in 4 min');
    expect(formatUntil(later(30_000), NOW)).toBe('in 30 s');
    expect(formatUntil(ago(5_000), NOW)).toBe('due now');
    expect(formatUntil(null, NOW)).toBe('not scheduled');
  });
});

describe('formatDuration and a fine formatAge', () => {
  it('picks a unit that reads well', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1_234)).toBe('1.2 s');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(120_000)).toBe('2 min');
    expect(formatDuration(null)).toBe('–');
    expect(formatAge(59_999, 'fine')).toBe('59 s');
  });
});

describe('counts and words', () => {
  it('groups thousands and pluralises', () => {
    expect(formatCount(12_345)).toBe('12,345');
    expect(formatCount(null)).toBe('–');
    expect(plural(1, 'conflict')).toBe('1 conflict');
    expect(plural(3, 'conflict')).toBe('3 conflicts');
    expect(plural(1_200, 'upload')).toBe('1,200 uploads');
  });

  it('turns machine codes into words', () => {
    expect(humanize('both_modified')).toBe('Both modified');
    expect(humanize('local_wins')).toBe('Local wins');
    expect(humanize(null)).toBe('–');
  });

  it('formats a local date and time', () => {
    const d = new Date(2025, 2, 4, 14, 5, 9);
    expect(formatDateTime(d.toISOString())).toBe('2025-03-04 14:05:09');
    expect(formatDateTime(null)).toBe('–');
  });
});

describe('formatSetting', () => {
  it('groups quantities but shows identifiers such as the port as they are', () => {
    expect(formatSetting('port', 8000)).toBe('8000');
    expect(formatSetting('instance_id', 12345)).toBe('12345');
    expect(formatSetting('demo_skills', 100000)).toBe('100,000');
    expect(formatSetting('sync_batch_size', 1000)).toBe('1,000');
    expect(formatSetting('ws_enabled', false)).toBe('no');
    expect(formatSetting('api_url', null)).toBe('–');
    expect(formatSetting('api_url', 'https://atom.example')).toBe('https://atom.example');
  });
});
