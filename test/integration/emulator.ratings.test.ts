import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { BatchRatingItem, BatchRatingResponse, RatingListResponse, RemoteRating, RemoteSkill } from '../../engine/contracts/remote.js';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';

let emu: EmulatorHandle;

/** A body sent as is, to send JSON that does not parse. */
class Raw {
  constructor(readonly text: string) {}
}

async function call(method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await request(`${emu.apiUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : body instanceof Raw ? body.text : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: () => JSON.parse(text) as unknown };
}

const item = (n: number, skill = 'skill-000010', rating = 4): BatchRatingItem => ({
  client_rating_id: `c-${n}`,
  skill_id: skill,
  user_id: 'local-user',
  rating,
  comment: `comment ${n}`,
  created_at: '2026-03-01T10:00:00.000Z',
});

async function allRatings(since?: string): Promise<{ ratings: RemoteRating[]; last: RatingListResponse }> {
  const ratings: RemoteRating[] = [];
  let last: RatingListResponse | undefined;
  for (let page = 1; page <= 100; page++) {
    const qs = `page=${page}&page_size=500${since ? `&updated_since=${encodeURIComponent(since)}` : ''}`;
    const res = await call('GET', `/ratings?${qs}`);
    expect(res.status).toBe(200);
    last = res.json() as RatingListResponse;
    ratings.push(...last.ratings);
    if (page >= (last.total_pages ?? 0)) break;
  }
  return { ratings, last: last as RatingListResponse };
}

beforeAll(async () => {
  emu = await startEmulator({ skills: 300, seed: 5, ratingsPerSkill: 3 });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

describe('emulator single rating', () => {
  it('accepts 1..5, answers 422 for other ratings and 404 for unknown skills', async () => {
    const ok = await call('POST', '/skills/marketplace/skills/skill-000001/rate', { skill_id: 'skill-000001', user_id: 'u', rating: 5, comment: 'great' });
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ success: true, rating_id: expect.any(String) });
    for (const rating of [7, 0, 3.5, '4', null]) {
      const bad = await call('POST', '/skills/marketplace/skills/skill-000001/rate', { skill_id: 'skill-000001', user_id: 'u', rating, comment: null });
      expect(bad.status, String(rating)).toBe(422);
    }
    expect((await call('POST', '/skills/marketplace/skills/skill-999999/rate', { user_id: 'u', rating: 3 })).status).toBe(404);
    emu.setFaults({ reject_ratings_for: ['skill-000002'] });
    const rejected = await call('POST', '/skills/marketplace/skills/skill-000002/rate', { user_id: 'u', rating: 3 });
    expect(rejected.status).toBe(422);
    expect(emu.receivedRatings()).toMatchObject({ total: 1, items: [{ via: 'single', skill_id: 'skill-000001', client_rating_id: null }] });
  });
});

describe('emulator batch upload (ext)', () => {
  it('stores a retried batch once and answers duplicate the second time', async () => {
    const batch = { ratings: [item(1), item(2, 'skill-000011', 2), item(3, 'skill-000012', 5)] };
    const first = (await call('POST', '/ratings/batch', batch)).json() as BatchRatingResponse;
    expect(first.results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    const second = (await call('POST', '/ratings/batch', batch)).json() as BatchRatingResponse;
    expect(second.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(second.results.map((r) => r.rating_id)).toEqual(first.results.map((r) => r.rating_id));

    const control = await request(`${emu.baseUrl}/__emulator/ratings`);
    const received = (await control.body.json()) as ReturnType<EmulatorHandle['receivedRatings']>;
    expect(received.total).toBe(3);
    expect(received.items.map((r) => r.client_rating_id).sort()).toEqual(['c-1', 'c-2', 'c-3']);
    expect(received.items.every((r) => r.via === 'batch')).toBe(true);
    expect(received.duplicates).toEqual([]);
  });

  it('rejects bad items one by one and whole bodies that are not a batch', async () => {
    emu.setFaults({ reject_ratings_for: ['skill-000020'] });
    const res = (await call('POST', '/ratings/batch', {
      ratings: [item(1), item(2, 'skill-000020'), item(3, 'skill-000010', 9), { skill_id: 'skill-000010' }, item(4, 'skill-999999')],
    })).json() as BatchRatingResponse;
    expect(res.results.map((r) => r.status)).toEqual(['accepted', 'rejected', 'rejected', 'rejected', 'rejected']);
    expect(res.results.slice(1).every((r) => typeof r.error === 'string' && r.error.length > 0)).toBe(true);
    // A rejected item may be sent again once the problem is gone.
    emu.setFaults({});
    const retry = (await call('POST', '/ratings/batch', { ratings: [item(2, 'skill-000020')] })).json() as BatchRatingResponse;
    expect(retry.results[0]?.status).toBe('accepted');

    expect((await call('POST', '/ratings/batch', { ratings: Array.from({ length: 1001 }, (_, n) => item(n)) })).status).toBe(400);
    expect((await call('POST', '/ratings/batch', { nope: [] })).status).toBe(400);
    expect((await call('POST', '/ratings/batch', new Raw('{not json'))).status).toBe(400);
  });

  it('moves the skill average and leaves it consistent', async () => {
    const before = (await call('GET', '/skills/marketplace/skills/skill-000030')).json() as RemoteSkill;
    await call('POST', '/ratings/batch', { ratings: [item(1, 'skill-000030', 1), { ...item(2, 'skill-000030', 5), user_id: 'other-user' }] });
    const after = (await call('GET', '/skills/marketplace/skills/skill-000030')).json() as RemoteSkill;
    const count = (before.rating_count ?? 0) + 2;
    expect(after.rating_count).toBe(count);
    const sum = (before.average_rating ?? 0) * (before.rating_count ?? 0) + 6;
    expect(after.average_rating).toBeCloseTo(sum / count, 1);
    // The same user rating again replaces that user's value: the count stays, the sum moves by 5 - 1.
    await call('POST', '/ratings/batch', { ratings: [item(3, 'skill-000030', 5)] });
    const replaced = (await call('GET', '/skills/marketplace/skills/skill-000030')).json() as RemoteSkill;
    expect(replaced.rating_count).toBe(count);
    expect(replaced.average_rating).toBeCloseTo((sum + 4) / count, 1);
  });
});

describe('emulator ratings listing (ext)', () => {
  it('lists seeded ratings in (updated_at, rating_id) order, consistent with skill averages', async () => {
    const { ratings, last } = await allRatings();
    expect(ratings.length).toBe(last.total);
    expect(ratings.length).toBeGreaterThan(300);
    const keys = ratings.map((r) => `${r.updated_at}|${r.rating_id}`);
    expect(keys).toEqual([...keys].sort());
    expect(new Set(ratings.map((r) => r.rating_id)).size).toBe(ratings.length);
    expect(last.cursor).toBe(ratings.at(-1)?.updated_at);
    const skill = (await call('GET', '/skills/marketplace/skills/skill-000005')).json() as RemoteSkill;
    const mine = ratings.filter((r) => r.skill_id === 'skill-000005');
    expect(mine.length).toBe(skill.rating_count);
    if (mine.length > 0) expect(skill.average_rating).toBeCloseTo(mine.reduce((n, r) => n + r.rating, 0) / mine.length, 2);
  });

  it('returns only ratings added after the cursor: other users\' and uploaded ones', async () => {
    const { last } = await allRatings();
    const cursor = last.cursor as string;
    const added = emu.mutate({ ratings: 4 });
    await call('POST', '/ratings/batch', { ratings: [item(1)] });
    const { ratings, last: next } = await allRatings(cursor);
    expect(ratings).toHaveLength(5);
    expect(ratings.slice(0, 4).map((r) => r.rating_id)).toEqual(added.ratings);
    expect(ratings[4]).toMatchObject({ user_id: 'local-user', skill_id: 'skill-000010', rating: 4 });
    const empty = (await call('GET', `/ratings?updated_since=${encodeURIComponent(next.cursor as string)}`)).json() as RatingListResponse;
    expect(empty).toMatchObject({ ratings: [], total: 0, cursor: next.cursor });
  });
});
