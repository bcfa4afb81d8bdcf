import { describe, expect, it } from 'vitest';
import { Catalogue } from '../../emulator/catalogue.js';
import { BASE_TIME, Dataset, indexOfSkillId, skillIdOf } from '../../emulator/dataset.js';
import { ServerClock } from '../../emulator/serverClock.js';

const make = (seed: number, skills = 200) => new Dataset({ seed, skills, categories: 12, ratingsPerSkill: 2 });

describe('emulator dataset', () => {
  it('generates the same skills from the same seed and different ones from another', () => {
    const a = make(1);
    const b = make(1);
    const c = make(2);
    expect(a.skill(17)).toEqual(b.skill(17));
    expect(JSON.stringify(a.skill(17))).not.toEqual(JSON.stringify(c.skill(17)));
    expect(a.categories).toHaveLength(12);
    expect(a.skill(17).category).toBe(a.categories[a.categoryIndexOf(17)]?.name);
  });

  it('names ids so that string order is index order, and parses them back', () => {
    const ids = [0, 9, 10, 99, 999, 99_999].map(skillIdOf);
    expect(ids).toEqual([...ids].sort());
    expect(ids.map(indexOfSkillId)).toEqual([0, 9, 10, 99, 999, 99_999]);
    expect(indexOfSkillId('skill-1')).toBe(-1);
    expect(indexOfSkillId('other')).toBe(-1);
  });

  it('stamps seeded skills base + index seconds and keeps ratings after them', () => {
    const d = make(3);
    expect(d.skill(0).updated_at).toBe(new Date(BASE_TIME).toISOString());
    expect(Date.parse(d.skill(5).updated_at ?? '')).toBe(BASE_TIME + 5000);
    expect(d.seededRatingTime(0)).toBeGreaterThan(d.seededSkillTime(199));
    expect(d.lastSeedTime).toBeGreaterThanOrEqual(d.seededRatingTime(d.seededRatingCount - 1));
  });

  it('derives each skill\'s average and count from its seeded ratings', () => {
    const d = make(4);
    const bySkill = new Map<string, number[]>();
    for (let k = 0; k < d.seededRatingCount; k++) {
      const r = d.seededRating(k);
      expect(r.rating).toBeGreaterThanOrEqual(1);
      expect(r.rating).toBeLessThanOrEqual(5);
      bySkill.set(r.skill_id, [...(bySkill.get(r.skill_id) ?? []), r.rating]);
    }
    for (let i = 0; i < 200; i++) {
      const skill = d.skill(i);
      const values = bySkill.get(skill.skill_id) ?? [];
      expect(skill.rating_count).toBe(values.length);
      if (values.length > 0) expect(skill.average_rating).toBeCloseTo(values.reduce((n, v) => n + v, 0) / values.length, 2);
    }
  });

  it('finds the first seeded rating after a time', () => {
    const d = make(5);
    expect(d.firstSeededRatingAfter(-Infinity)).toBe(0);
    expect(d.firstSeededRatingAfter(d.seededRatingTime(0))).toBe(1);
    expect(d.firstSeededRatingAfter(d.seededRatingTime(0) - 1)).toBe(0);
    expect(d.firstSeededRatingAfter(d.lastSeedTime + 1e9)).toBe(d.seededRatingCount);
  });
});

describe('emulator server clock and catalogue', () => {
  it('hands out strictly increasing stamps even when the wall clock stalls or goes back', () => {
    let wall = 1_000;
    const clock = new ServerClock(() => wall, 5_000);
    const stamps = [clock.tick(), clock.tick()];
    wall = 10_000;
    stamps.push(clock.tick(), clock.tick());
    wall = 2_000;
    stamps.push(clock.tick());
    expect(stamps).toEqual([5_001, 5_002, 10_000, 10_001, 10_002]);
  });

  it('keeps the changed-skills timeline ordered and exact', () => {
    const d = make(6, 50);
    let wall = 0;
    const catalogue = new Catalogue(d, new ServerClock(() => wall, d.lastSeedTime));
    const since = d.lastSeedTime;
    catalogue.update(10, { author: 'x' });
    catalogue.delete(3);
    wall = d.lastSeedTime + 60_000;
    catalogue.update(2, {});
    catalogue.update(10, { author: 'y' });
    const all = catalogue.listChanged(since, true, {}, 0, 100);
    expect(all.items.map((e) => e.skill_id)).toEqual(['skill-000004', 'skill-000003', 'skill-000011']);
    expect(all.items[0]).toMatchObject({ deleted: true });
    expect(all.items[2]).toMatchObject({ author: 'y' });
    expect(all.lastTime).toBe(wall + 1);
    expect(catalogue.listChanged(since, false, {}, 0, 100).total).toBe(2);
    expect(catalogue.list({}, 0, 100).total).toBe(49);
    const added = catalogue.add();
    expect(added.skill_id).toBe('skill-000051');
    expect(added.created_at).toBe(added.updated_at);
    expect(catalogue.liveIndex('skill-000004')).toBe(-1);
    expect(catalogue.liveIndex('skill-000051')).toBe(50);
    expect(catalogue.liveIndex('skill-000052')).toBe(-1);
  });
});
