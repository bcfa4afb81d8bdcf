/**
 * Strictly increasing ISO timestamps for rows the engine writes. The local-edit trigger tells
 * our writes from the local Atom's by a changed `synced_at`, so two writes in one millisecond
 * must still get different stamps.
 */
export function createStamper(now: () => number = Date.now): () => string {
  let last = 0;
  return () => {
    const t = Math.max(now(), last + 1);
    last = t;
    return new Date(t).toISOString();
  };
}
