import semver from 'semver';

/** True when `next` is a higher version than `current`; anything that is not semver never advances. */
export function isVersionAdvance(next: unknown, current: unknown): boolean {
  return isVersionRegression(current, next);
}

/** True when `next` is a lower version than `current`; anything that is not semver never regresses. */
export function isVersionRegression(next: unknown, current: unknown): boolean {
  if (typeof next !== 'string' || typeof current !== 'string') return false;
  if (!semver.valid(next, { loose: true }) || !semver.valid(current, { loose: true })) return false;
  return semver.lt(next, current, { loose: true });
}
