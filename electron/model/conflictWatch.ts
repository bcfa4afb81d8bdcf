/**
 * New conflicts seen from outside the engine (an attached daemon): the unresolved list is read
 * again when the count grows, and what was not there before is new. Ids only grow, so an id seen
 * once is never new again.
 */
import type { ConflictSummary } from '../../engine/contracts/localHttpApi.js';
import type { NewConflict } from './notificationPolicy.js';

/** Ids remembered at most; past this only the ids still listed are kept. */
const MAX_SEEN = 10_000;

/** The listed conflicts not in `seen` (which learns them), for the notification policy. */
export function freshConflicts(seen: Set<number>, listed: readonly Pick<ConflictSummary, 'id' | 'entity_id' | 'entity_name' | 'severity'>[]): NewConflict[] {
  const fresh: NewConflict[] = [];
  for (const c of listed) {
    if (seen.has(c.id)) continue;
    fresh.push({ id: c.id, name: c.entity_name ?? c.entity_id, severity: c.severity });
  }
  if (seen.size + fresh.length > MAX_SEEN) seen.clear();
  for (const c of listed) seen.add(c.id);
  // Oldest first, as the engine would have told them.
  return fresh.sort((a, b) => a.id - b.id);
}
