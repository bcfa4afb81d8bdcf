import { afterEach } from 'vitest';

/** Undo steps a test registers as it builds; after each test they run newest first. */
export function useCleanups(timeoutMs = 30_000): Array<() => Promise<unknown> | unknown> {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  }, timeoutMs);
  return cleanups;
}
