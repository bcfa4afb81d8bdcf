/**
 * What "nothing lost" means, as lists of problems (empty = fine), so a failing test says which
 * skill or rating went wrong instead of only that two counts differ.
 */
import type { EmulatorRatingsResponse } from '../../emulator/index.js';
import type { RemoteSkill } from '../../engine/contracts/remote.js';
import type { LocalSkillRow } from './localAtom.js';

const MAX_PROBLEMS = 10;

/**
 * The local cache holds exactly the remote's live skills at their remote version. Skills in
 * `keepLocal` (locally edited, conflict open) only need to exist.
 */
export function catalogueProblems(local: Map<string, LocalSkillRow>, remote: Iterable<RemoteSkill>, keepLocal: ReadonlySet<string> = new Set()): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const skill of remote) {
    seen.add(skill.skill_id);
    if (problems.length >= MAX_PROBLEMS) continue;
    const row = local.get(skill.skill_id);
    if (!row) {
      problems.push(`${skill.skill_id}: missing locally`);
      continue;
    }
    if (keepLocal.has(skill.skill_id)) continue;
    if (row.version !== (skill.version ?? null) || row.remote_updated_at !== (skill.updated_at ?? null) || row.name !== skill.name) {
      problems.push(`${skill.skill_id}: local v${row.version} @${row.remote_updated_at}, remote v${skill.version} @${skill.updated_at}`);
    } else if (row.description !== (skill.description ?? null)) {
      problems.push(`${skill.skill_id}: description differs from the remote's`);
    }
  }
  for (const id of local.keys()) {
    if (problems.length >= MAX_PROBLEMS) break;
    if (!seen.has(id) && !keepLocal.has(id)) problems.push(`${id}: cached locally but deleted remotely`);
  }
  return problems;
}

export interface DeliveryReport {
  problems: string[];
  /** Local ratings received more than once (only countable when they carried an id, i.e. batch uploads). */
  doubled: number;
}

/**
 * Every local rating reached the remote, and exactly once. Batch uploads carry the rating id as
 * `client_rating_id`; single POSTs (the base API) carry none, so they are matched by the comment,
 * which holds the id too (see LocalAtom.addRatings). With `atLeastOnce`, doubles are counted, not
 * reported as problems (the base API has no idempotency key, so a retried POST can count twice).
 */
export function deliveryProblems(localIds: readonly string[], received: EmulatorRatingsResponse, atLeastOnce = false): DeliveryReport {
  const count = new Map<string, number>();
  for (const item of received.items) {
    const key = item.client_rating_id ?? /([0-9a-f-]{36})$/.exec(item.comment ?? '')?.[1] ?? null;
    if (key !== null) count.set(key, (count.get(key) ?? 0) + 1);
  }
  const problems: string[] = [];
  let doubled = 0;
  for (const id of localIds) {
    const n = count.get(id) ?? 0;
    if (n > 1) doubled++;
    if (problems.length >= MAX_PROBLEMS) continue;
    if (n === 0) problems.push(`rating ${id}: never reached the remote`);
    else if (n > 1 && !atLeastOnce) problems.push(`rating ${id}: received ${n} times`);
  }
  if (received.duplicates.length > 0 && !atLeastOnce) problems.push(`emulator saw repeated client_rating_ids: ${received.duplicates.slice(0, 5).join(', ')}`);
  return { problems, doubled };
}
