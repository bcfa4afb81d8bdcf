/**
 * Control-API mutations: change, delete and add skills, add other users' ratings, edit
 * categories, and push the matching WebSocket frames. Which skills a count picks is seeded, so
 * a test that mutates the same way twice sees the same ids.
 */
import type { RemoteSkill } from '../engine/contracts/remote.js';
import type { EmulatorMutation, EmulatorMutationResult } from './types.js';
import type { EmulatorCore } from './core.js';
import { iso, skillIdOf, userIdOf } from './dataset.js';
import { intBetween, mix, mulberry32, pick, type Rng } from './prng.js';
import { otherUserRating } from './ratingIntake.js';
import { EmulatorInputError } from './validation.js';
import { COMMENTS } from './words.js';

export function applyMutation(core: EmulatorCore, m: EmulatorMutation): EmulatorMutationResult {
  const { catalogue } = core;
  const push = m.push ?? true;
  const rng = mulberry32(mix(core.dataset.seed, 0x4d55, core.mutations++));
  const result: EmulatorMutationResult = { updated: [], deleted: [], added: [], ratings: [], categories: [] };
  // Resolve every named id before changing anything, so a bad id leaves the state untouched.
  const updateIds = resolve(core, m.update_ids ?? []);
  const deleteIds = resolve(core, m.delete_ids ?? []);
  if (deleteIds.some((i) => updateIds.includes(i))) throw new EmulatorInputError('an id cannot be both updated and deleted');

  const touched = new Set<number>([...updateIds, ...deleteIds]);
  const toUpdate = [...updateIds, ...pickLive(core, rng, m.update ?? 0, touched)];
  for (const index of toUpdate) touched.add(index);
  const toDelete = [...deleteIds, ...pickLive(core, rng, m.delete ?? 0, touched)];
  if ((m.add ?? 0) > catalogue.room) throw new EmulatorInputError(`the catalogue has room for ${catalogue.room} more skills`);
  // One stamp for every skill row of a tied mutation, as a batch job on a real server would leave.
  const stamp = m.tied ? core.clock.tick() : undefined;

  for (const index of toUpdate) {
    const skill = catalogue.update(index, { ...revise(catalogue.skill(index)), ...m.set }, stamp);
    result.updated.push(skill.skill_id);
    if (push) core.pushSkill(skill);
  }
  for (const index of toDelete) {
    const at = iso(catalogue.delete(index, stamp));
    const skillId = skillIdOf(index);
    result.deleted.push(skillId);
    if (push) core.push({ type: 'skill_delete', data: { skill_id: skillId, updated_at: at }, timestamp: at });
  }
  for (let n = 0; n < (m.add ?? 0); n++) {
    const skill: RemoteSkill = catalogue.add(m.set, stamp);
    result.added.push(skill.skill_id);
    if (push) core.pushSkill(skill);
  }
  for (const index of pickLive(core, rng, m.ratings ?? 0, new Set(), true)) {
    const rating = otherUserRating(core, index, {
      skill_id: skillIdOf(index),
      user_id: userIdOf(intBetween(rng, 1, 5000)),
      rating: intBetween(rng, 1, 5),
      comment: pick(rng, COMMENTS),
    }, push);
    result.ratings.push(rating.rating_id);
  }
  const categoryCount = Math.min(m.categories ?? 0, core.dataset.categories.length);
  const first = Math.floor(rng() * core.dataset.categories.length);
  for (let n = 0; n < categoryCount; n++) {
    const c = (first + n) % core.dataset.categories.length;
    const base = core.dataset.categories[c];
    if (!base) continue;
    // Names stay put: skills refer to their category by name.
    const at = iso(core.clock.tick());
    const category = catalogue.updateCategory(c, { description: `${base.description} Revised ${at}.` });
    result.categories.push(category.name);
    if (push) core.push({ type: 'category_update', data: category, timestamp: at });
  }
  return result;
}

function resolve(core: EmulatorCore, ids: string[]): number[] {
  const indexes = new Set<number>();
  for (const id of ids) {
    const index = core.catalogue.liveIndex(id);
    if (index < 0) throw new EmulatorInputError(`unknown or deleted skill ${id}`);
    indexes.add(index);
  }
  return [...indexes];
}

/**
 * `count` live skills outside `exclude`, chosen by `rng`; with `repeat`, the same skill may come
 * up more than once (several ratings for one skill).
 */
function pickLive(core: EmulatorCore, rng: Rng, count: number, exclude: Set<number>, repeat = false): number[] {
  if (count === 0) return [];
  const pool = Array.from(core.catalogue.liveIndexes()).filter((i) => !exclude.has(i));
  if (repeat) return pool.length === 0 ? [] : Array.from({ length: count }, () => pick(rng, pool));
  const n = Math.min(count, pool.length);
  for (let k = 0; k < n; k++) {
    const j = k + Math.floor(rng() * (pool.length - k));
    [pool[k], pool[j]] = [pool[j] as number, pool[k] as number];
  }
  return pool.slice(0, n).sort((a, b) => a - b);
}

/** A new patch version and a description that says so. */
function revise(skill: RemoteSkill): Partial<RemoteSkill> {
  const [major = 0, minor = 0, patch = 0] = (skill.version ?? '0.0.0').split('.').map((p) => Number.parseInt(p, 10) || 0);
  const version = `${major}.${minor}.${patch + 1}`;
  const description = (skill.description ?? '').replace(/ Updated in v\S+$/, '');
  return { version, description: `${description} Updated in v${version}.` };
}

/**
 * listing_churn: after a plain listing page, the first `delete` live skills in skill_id order go
 * (so the next offset page shifts forward) and `add` new ones arrive, as real pushed changes.
 */
export function churnAfterListing(core: EmulatorCore): void {
  const churn = core.faults.listingChurn;
  if (!churn || (churn.delete === 0 && churn.add === 0)) return;
  const live = core.catalogue.liveIndexes();
  const deleteIds = Array.from(live.subarray(0, Math.min(churn.delete, live.length)), skillIdOf);
  applyMutation(core, { delete_ids: deleteIds, add: Math.min(churn.add, core.catalogue.room) });
}
