import { describe, expect, it } from 'vitest';
import { keysetSince } from '../../engine/sync/incrementalListing.js';
import { isFinalPage, lastById } from '../../engine/sync/runContext.js';
import { isVersionRegression } from '../../engine/sync/versions.js';

describe('paging decisions', () => {
  it.each([
    // page, received, pageSize, total, totalPages, final?
    [1, 100, 100, 500, 5, false],
    [5, 100, 100, 500, 5, true],
    [1, 50, 50, null, 10, false], // server capped page_size at 50 but says there are 10 pages
    [1, 50, 50, 500, null, false], // capped, total given: keep going
    [10, 50, 50, 500, null, true],
    [3, 40, 100, null, null, true], // no totals: a short page ends it
    [3, 100, 100, null, null, false],
  ])('page %i with %i received of %i (total %s, pages %s) final=%s', (page, received, size, total, pages, final) => {
    expect(isFinalPage(page, received, size, total, pages)).toBe(final);
  });

  it('restarts a keyset page below the boundary timestamp so ties are fetched again, never skipped', () => {
    expect(keysetSince(['2026-01-01T00:00:01Z', '2026-01-01T00:00:02Z', '2026-01-01T00:00:03Z'])).toBe('2026-01-01T00:00:02Z');
    expect(keysetSince(['2026-01-01T00:00:01Z', '2026-01-01T00:00:03Z', '2026-01-01T00:00:03Z'])).toBe('2026-01-01T00:00:01Z');
    expect(keysetSince(['2026-01-01T00:00:03Z', '2026-01-01T00:00:03Z'])).toBeNull();
    expect(keysetSince([])).toBeNull();
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
