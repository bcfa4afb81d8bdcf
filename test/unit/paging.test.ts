import { describe, expect, it } from 'vitest';
import { advances, keysetSince, laterStamp, withOverlap } from '../../engine/remote/keysetCursor.js';
import { lastById, PageTracker } from '../../engine/sync/runContext.js';
import { isVersionRegression } from '../../engine/domain/versions.js';

describe('paging decisions', () => {
  /** Feeds pages to a tracker; returns the page number that ended the listing. */
  function endOf(pages: Array<[received: number, total: number | null]>, tracker = new PageTracker()): number | null {
    for (let i = 0; i < pages.length; i++) if (tracker.page(i + 1, pages[i]![0], pages[i]![1])) return i + 1;
    return null;
  }

  it('follows total, and the page size the server really served (a silent cap does not end the listing)', () => {
    expect(endOf([[100, 500], [100, 500], [100, 500], [100, 500], [100, 500]])).toBe(5);
    // Asked for 100, served 50, total 200: four pages, not two.
    expect(endOf([[50, 200], [50, 200], [50, 200], [50, 200]])).toBe(4);
    expect(endOf([[100, null], [100, null], [40, null]])).toBe(3);
    expect(endOf([[100, null], [0, null]])).toBe(2);
  });

  it('calls a listing shifted when its total moves or a page comes short before the end', () => {
    const moved = new PageTracker();
    endOf([[100, 300], [100, 250], [50, 250]], moved);
    expect(moved.shifted).toBe(true);
    const short = new PageTracker();
    expect(endOf([[100, 300], [60, 300], [100, 300]], short)).toBe(3);
    expect(short.shifted).toBe(true);
    const steady = new PageTracker();
    endOf([[100, 300], [100, 300], [100, 300]], steady);
    expect(steady.shifted).toBe(false);
  });

  it('restarts a keyset page below the boundary timestamp so ties are fetched again, never skipped', () => {
    expect(keysetSince(['2026-01-01T00:00:01Z', '2026-01-01T00:00:02Z', '2026-01-01T00:00:03Z'])).toBe('2026-01-01T00:00:02Z');
    expect(keysetSince(['2026-01-01T00:00:01Z', '2026-01-01T00:00:03Z', '2026-01-01T00:00:03Z'])).toBe('2026-01-01T00:00:01Z');
    expect(keysetSince(['2026-01-01T00:00:03Z', '2026-01-01T00:00:03Z'])).toBeNull();
    expect(keysetSince([])).toBeNull();
  });

  it('compares stamps as instants: mixed precision sorts right', () => {
    // As text, "…01.500Z" sorts before "…01Z"; as instants it is later.
    expect(keysetSince(['2026-01-01T00:00:01Z', '2026-01-01T00:00:01.500Z', '2026-01-01T00:00:02Z'])).toBe('2026-01-01T00:00:01.500Z');
    expect(laterStamp('2026-01-01T00:00:01.500Z', '2026-01-01T00:00:01Z')).toBe('2026-01-01T00:00:01.500Z');
    expect(advances('2026-01-01T00:00:01.500Z', '2026-01-01T00:00:01Z')).toBe(true);
    expect(advances('2026-01-01T00:00:01Z', '2026-01-01T00:00:01.000Z')).toBe(false);
    expect(withOverlap('2026-01-01T00:00:10Z', 5000)).toBe('2026-01-01T00:00:05.000Z');
  });

  it('keeps the last of repeated ids in one page', () => {
    expect(lastById([{ skill_id: 'a', n: 1 }, { skill_id: 'b', n: 2 }, { skill_id: 'a', n: 3 }])).toEqual([
      { skill_id: 'b', n: 2 },
      { skill_id: 'a', n: 3 },
    ]);
  });

  it('detects a version going backwards only between valid semver strings', () => {
    expect(isVersionRegression('1.2.0', '1.10.0')).toBe(true);
    expect(isVersionRegression('2.0.0', '1.10.0')).toBe(false);
    expect(isVersionRegression('1.0.0', '1.0.0')).toBe(false);
    expect(isVersionRegression('banana', '1.0.0')).toBe(false);
    expect(isVersionRegression(undefined, '1.0.0')).toBe(false);
  });
});
