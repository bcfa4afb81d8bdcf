import { describe, expect, it } from 'vitest';
import { ageMs, formatAge, formatAgo } from '../../engine/status/formatAge.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.parse('2025-06-01T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();

describe('formatAge, brief (tray tooltips and notifications)', () => {
  it('says whole units only, from a minute up', () => {
    expect(formatAge(59_999)).toBe('just now');
    expect(formatAge(4 * MIN + 50_000)).toBe('4 min');
    expect(formatAge(2 * HOUR + 5 * MIN)).toBe('2 h');
    expect(formatAge(47 * HOUR + 59 * MIN)).toBe('47 h');
    expect(formatAge(48 * HOUR)).toBe('2 d');
  });

  it('reads a negative or non-finite span as just now', () => {
    expect(formatAge(-5_000)).toBe('just now');
    expect(formatAge(Number.NaN)).toBe('just now');
  });
});

describe('formatAge, fine (the window)', () => {
  it('adds seconds under a minute and minutes beside a few hours', () => {
    expect(formatAge(42_000, 'fine')).toBe('42 s');
    expect(formatAge(2 * HOUR + 5 * MIN, 'fine')).toBe('2 h 5 min');
    expect(formatAge(10 * HOUR + 5 * MIN, 'fine')).toBe('10 h');
    expect(formatAge(47 * HOUR, 'fine')).toBe('47 h');
    expect(formatAge(48 * HOUR, 'fine')).toBe('2 d');
  });
});

describe('formatAgo', () => {
  it('brief: just now under a minute, then whole units (the tray menu line)', () => {
    expect(formatAgo(ago(42_000), NOW, 'never', 'brief')).toBe('just now');
    expect(formatAgo(ago(5 * MIN), NOW, 'never', 'brief')).toBe('5 min ago');
    expect(formatAgo(ago(2 * HOUR + 5 * MIN), NOW, 'never', 'brief')).toBe('2 h ago');
    expect(formatAgo(null, NOW, 'never', 'brief')).toBe('never');
  });

  it('fine: just now only under 10 s', () => {
    expect(formatAgo(ago(9_999), NOW)).toBe('just now');
    expect(formatAgo(ago(10_000), NOW)).toBe('10 s ago');
  });
});

describe('ageMs', () => {
  it('is null without a readable time and never negative', () => {
    expect(ageMs(null, NOW)).toBeNull();
    expect(ageMs(undefined, NOW)).toBeNull();
    expect(ageMs('yesterday', NOW)).toBeNull();
    expect(ageMs(new Date(NOW + 5_000).toISOString(), NOW)).toBe(0);
    expect(ageMs(ago(3 * MIN), NOW)).toBe(3 * MIN);
  });
});
