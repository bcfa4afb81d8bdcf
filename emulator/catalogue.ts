/**
 * Live skill and category state: the seeded dataset plus overrides, additions and deletions.
 * Only ids, overrides and a few cached integer arrays are kept; skills render on demand.
 */
import type { RemoteCategory, RemoteSkill, RemoteSkillEntry } from '../engine/contracts/remote.js';
import { Dataset, MAX_SKILL_INDEX, indexOfSkillId, iso, round2, skillIdOf, slugify, type BaseCategory } from './dataset.js';
import type { ServerClock } from './serverClock.js';

export interface SkillFilters {
  category?: string;
  skill_type?: string;
  query?: string;
}

export interface Slice<T> {
  items: T[];
  total: number;
}

interface Timeline {
  index: Int32Array;
  time: Float64Array;
}

export class Catalogue {
  private size: number;
  private readonly overrides = new Map<number, Partial<RemoteSkill>>();
  /** Index → time of its latest change (ties and steps of the clock allowed: sorted on rebuild). */
  private readonly changed = new Map<number, number>();
  private readonly deleted = new Set<number>();
  private readonly ratingDelta = new Map<number, { sum: number; count: number }>();
  private readonly categoryEdits = new Map<number, Partial<BaseCategory>>();
  private version = 0;
  private cache: { version: number; live: Int32Array; all: Timeline; liveTimeline: Timeline; counts: Map<string, number> } | null = null;

  constructor(readonly dataset: Dataset, private readonly clock: ServerClock) {
    this.size = dataset.seededSkills;
  }

  /** Index of a live (not deleted) skill, or -1. */
  liveIndex(skillId: string): number {
    const index = indexOfSkillId(skillId);
    return index >= 0 && index < this.size && !this.deleted.has(index) ? index : -1;
  }

  get liveCount(): number {
    return this.size - this.deleted.size;
  }

  get deletedCount(): number {
    return this.deleted.size;
  }

  /** How many more skills can be added. */
  get room(): number {
    return MAX_SKILL_INDEX + 1 - this.size;
  }

  skill(index: number): RemoteSkill {
    const skill = this.dataset.skill(index);
    const override = this.overrides.get(index);
    if (override) Object.assign(skill, override);
    const time = this.changed.get(index);
    if (time !== undefined) skill.updated_at = iso(time);
    const delta = this.ratingDelta.get(index);
    if (delta) {
      const seeded = this.dataset.seededRatingStats(index);
      const count = seeded.count + delta.count;
      skill.rating_count = count;
      skill.average_rating = count === 0 ? 0 : round2((seeded.sum + delta.sum) / count);
    }
    return skill;
  }

  /** Live skill indexes in skill_id order (a read-only view; do not keep across changes). */
  liveIndexes(): Int32Array {
    return this.state().live;
  }

  *liveSkills(): Iterable<RemoteSkill> {
    for (const index of this.state().live) yield this.skill(index);
  }

  /** Live skills ordered by skill_id. */
  list(filters: SkillFilters, offset: number, limit: number): Slice<RemoteSkill> {
    let order: ArrayLike<number> = this.state().live;
    if (hasFilters(filters)) order = Array.prototype.filter.call(order, (i: number) => this.matches(i, filters)) as number[];
    const items: RemoteSkill[] = [];
    for (let p = offset; p < Math.min(order.length, offset + limit); p++) items.push(this.skill(order[p] as number));
    return { items, total: order.length };
  }

  /**
   * Entries changed after `sinceMs` (at or after, with `inclusive`), ordered by (updated_at,
   * skill_id); `lastTime` is that of the whole set's last entry.
   */
  listChanged(sinceMs: number, includeDeleted: boolean, filters: SkillFilters, offset: number, limit: number, inclusive = false): Slice<RemoteSkillEntry> & { lastTime: number | null } {
    const state = this.state();
    const timeline = includeDeleted ? state.all : state.liveTimeline;
    let order: ArrayLike<number> = timeline.index;
    let times: ArrayLike<number> = timeline.time;
    const start = inclusive ? lowerBound(timeline.time, sinceMs) : upperBound(timeline.time, sinceMs);
    if (hasFilters(filters)) {
      const keep: number[] = [];
      const keptTimes: number[] = [];
      for (let p = start; p < order.length; p++) {
        const index = order[p] as number;
        if (this.deleted.has(index) || this.matches(index, filters)) {
          keep.push(index);
          keptTimes.push(times[p] as number);
        }
      }
      order = keep;
      times = keptTimes;
    } else {
      order = timeline.index.subarray(start);
      times = timeline.time.subarray(start);
    }
    const items: RemoteSkillEntry[] = [];
    for (let p = offset; p < Math.min(order.length, offset + limit); p++) {
      const index = order[p] as number;
      items.push(this.deleted.has(index)
        ? { skill_id: skillIdOf(index), deleted: true, updated_at: iso(times[p] as number) }
        : this.skill(index));
    }
    const lastTime = order.length > 0 ? (times[order.length - 1] as number) : null;
    return { items, total: order.length, lastTime };
  }

  categories(): RemoteCategory[] {
    const counts = this.state().counts;
    return this.dataset.categories.map((base, c) => {
      const category = { ...base, ...this.categoryEdits.get(c) };
      return { ...category, skill_count: counts.get(category.name) ?? 0 };
    });
  }

  updateCategory(c: number, edit: Partial<BaseCategory>): RemoteCategory {
    this.categoryEdits.set(c, { ...this.categoryEdits.get(c), ...edit });
    return this.categories()[c] as RemoteCategory;
  }

  /** Applies field overrides and stamps a new updated_at (`time`, or a fresh server stamp). */
  update(index: number, set: Partial<RemoteSkill>, time?: number): RemoteSkill {
    this.overrides.set(index, { ...this.overrides.get(index), ...set });
    this.touch(index, time);
    return this.skill(index);
  }

  /** Deletes the skill; answers the deletion's server time. */
  delete(index: number, time?: number): number {
    this.deleted.add(index);
    return this.touch(index, time);
  }

  add(set: Partial<RemoteSkill> = {}, time?: number): RemoteSkill {
    if (this.size > MAX_SKILL_INDEX) throw new RangeError(`the catalogue is full (${MAX_SKILL_INDEX + 1} skills)`);
    const index = this.size++;
    const stamp = this.touch(index, time);
    this.overrides.set(index, { created_at: iso(stamp), ...set });
    return this.skill(index);
  }

  /** Counts a new rating into the skill's average; deliberately leaves updated_at alone. */
  addRating(index: number, rating: number): RemoteSkill {
    const delta = this.ratingDelta.get(index) ?? { sum: 0, count: 0 };
    this.ratingDelta.set(index, { sum: delta.sum + rating, count: delta.count + 1 });
    return this.skill(index);
  }

  /** A changed rating replaces its old value in the skill's average (the count stays). */
  changeRating(index: number, before: number, after: number): RemoteSkill {
    const delta = this.ratingDelta.get(index) ?? { sum: 0, count: 0 };
    this.ratingDelta.set(index, { sum: delta.sum - before + after, count: delta.count });
    return this.skill(index);
  }

  private touch(index: number, time = this.clock.tick()): number {
    this.changed.delete(index);
    this.changed.set(index, time);
    this.version++;
    return time;
  }

  private matches(index: number, f: SkillFilters): boolean {
    const override = this.overrides.get(index);
    if (f.category !== undefined) {
      const name = override?.category ?? this.dataset.categories[this.dataset.categoryIndexOf(index)]?.name ?? '';
      const wanted = f.category.toLowerCase();
      if (name.toLowerCase() !== wanted && slugify(name) !== wanted) return false;
    }
    if (f.skill_type !== undefined && (override?.skill_type ?? this.dataset.skillTypeOf(index)) !== f.skill_type) return false;
    if (f.query !== undefined) {
      const skill = this.skill(index);
      const text = `${skill.name} ${skill.description ?? ''} ${(skill.tags ?? []).join(' ')}`.toLowerCase();
      if (!text.includes(f.query.toLowerCase())) return false;
    }
    return true;
  }

  /** Ordered views, rebuilt only after a change to the set of skills or their times. */
  private state() {
    if (this.cache?.version === this.version) return this.cache;
    const live = new Int32Array(this.liveCount);
    const all: Timeline = { index: new Int32Array(this.size), time: new Float64Array(this.size) };
    const liveTimeline: Timeline = { index: new Int32Array(this.liveCount), time: new Float64Array(this.liveCount) };
    const counts = new Map<string, number>();
    let l = 0;
    let a = 0;
    let lt = 0;
    const push = (index: number, time: number) => {
      all.index[a] = index;
      all.time[a++] = time;
      if (this.deleted.has(index)) return;
      liveTimeline.index[lt] = index;
      liveTimeline.time[lt++] = time;
    };
    // Seeded stamps rise with the index; changed ones are sorted by (time, index), then the two merge.
    const changed = [...this.changed].sort((x, y) => x[1] - y[1] || x[0] - y[0]);
    let c = 0;
    for (let i = 0; i < this.dataset.seededSkills; i++) {
      if (this.changed.has(i)) continue;
      const time = this.dataset.seededSkillTime(i);
      for (let next = changed[c]; next !== undefined && (next[1] < time || (next[1] === time && next[0] < i)); next = changed[++c]) push(next[0], next[1]);
      push(i, time);
    }
    for (; c < changed.length; c++) push((changed[c] as [number, number])[0], (changed[c] as [number, number])[1]);
    for (let i = 0; i < this.size; i++) {
      if (this.deleted.has(i)) continue;
      live[l++] = i;
      const name = this.overrides.get(i)?.category ?? this.dataset.categories[this.dataset.categoryIndexOf(i)]?.name ?? '';
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    this.cache = { version: this.version, live, all, liveTimeline, counts };
    return this.cache;
  }
}

function hasFilters(f: SkillFilters): boolean {
  return f.category !== undefined || f.skill_type !== undefined || f.query !== undefined;
}

/** First position whose value is at least `value` (values ascending). */
export function lowerBound(values: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position whose value is greater than `value` (values ascending). */
export function upperBound(values: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
