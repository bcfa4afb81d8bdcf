/**
 * Keyset download of ratings against a scripted listing: each request starts after the last
 * stamp applied, the page number only steps through tied stamps, a missing total does not end
 * the download, a page that makes no progress is not asked for forever, the cursor moves with
 * the page's rows.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RemoteRating } from '../../engine/contracts/remote.js';
import { isLastPage, RATING_OVERLAP_MS } from '../../engine/ratings/ratingDownloader.js';
import type { RatingPage, RatingPageQuery } from '../../engine/remote/types.js';
import { SkillsRepo } from '../../engine/store/skillsRepo.js';
import { addRatings, setup, type Env } from '../support/scriptedRatingService.js';

let env: Env;
beforeEach(async () => {
  env = await setup();
});
afterEach(() => env.cleanup());

const at = (s: number) => new Date(Date.parse('2026-02-01T00:00:00.000Z') + s * 1000).toISOString();
const remote = (n: number, stamp: string, skill = 'sk'): RemoteRating => ({
  rating_id: `rating-${String(n).padStart(3, '0')}`,
  skill_id: skill,
  user_id: `other-${n}`,
  rating: 1 + (n % 5),
  comment: null,
  created_at: stamp,
  updated_at: stamp,
});

/** A listing ordered by (updated_at, rating_id), filtered strictly after updated_since, offset paged. */
function listing(all: RemoteRating[], opts: { cap?: number; omitTotal?: boolean } = {}) {
  return (q: RatingPageQuery): RatingPage => {
    const sorted = [...all].sort((a, b) => Date.parse(a.updated_at) - Date.parse(b.updated_at) || (a.rating_id < b.rating_id ? -1 : 1));
    const from = q.updatedSince ? sorted.filter((r) => Date.parse(r.updated_at) > Date.parse(q.updatedSince!)) : sorted;
    const size = Math.min(q.pageSize, opts.cap ?? Infinity);
    const ratings = from.slice((q.page - 1) * size, q.page * size);
    return {
      ratings,
      received: ratings.length,
      invalid: 0,
      total: opts.omitTotal ? null : from.length,
      totalPages: null,
      pageSize: opts.omitTotal ? q.pageSize : size,
    };
  };
}
const held = () => env.db.prepare("SELECT remote_rating_id FROM skill_ratings WHERE origin = 'remote' ORDER BY remote_rating_id").pluck().all();
const cursor = () => env.db.prepare("SELECT cursor FROM sync_state WHERE stream = 'ratings'").pluck().get();
const ids = (rs: RemoteRating[]) => rs.map((r) => r.rating_id).sort();

describe('keyset download', () => {
  it('starts each request after the last stamp applied, stores our own uploads once, keeps the remote aggregate', async () => {
    const skills = new SkillsRepo(env.db);
    skills.upsertRemote({ skill_id: 'with-agg', name: 'A', average_rating: 4.5, rating_count: 10 }, '2026-01-01T00:00:00.000Z');
    skills.upsertRemote({ skill_id: 'no-agg', name: 'B' }, '2026-01-01T00:00:00.000Z');
    const [mine] = await addRatings(env, 1, () => 'no-agg');
    env.client.onBatch = (items) => items.map((i) => ({ client_rating_id: i.client_rating_id, status: 'accepted', rating_id: 'rating-003' }));
    const all = [remote(1, at(1), 'with-agg'), remote(2, at(2), 'no-agg'), remote(3, at(3), 'no-agg'), remote(4, at(4), 'no-agg'), remote(5, at(5), 'unknown')];
    env.client.onList = listing(all, { cap: 2 }); // a server capping page_size below what we asked
    await env.service.syncNow();
    expect(env.client.listCalls).toEqual([
      { updatedSince: null, page: 1 },
      { updatedSince: at(1), page: 1 },
      { updatedSince: at(2), page: 1 },
      { updatedSince: at(3), page: 1 },
    ]);
    expect(held()).toEqual(['rating-001', 'rating-002', 'rating-004', 'rating-005']);
    expect(env.db.prepare('SELECT remote_rating_id FROM skill_ratings WHERE id = ?').pluck().get(mine)).toBe('rating-003');
    expect(cursor()).toBe(at(5));
    expect(skills.get('with-agg')).toMatchObject({ average_rating: 4.5, rating_count: 10 });
    expect(skills.get('no-agg')).toMatchObject({ average_rating: 3, rating_count: 3 });

    env.client.listCalls = [];
    await env.service.syncNow();
    expect(env.client.listCalls).toEqual([{ updatedSince: new Date(Date.parse(at(5)) - RATING_OVERLAP_MS).toISOString(), page: 1 }]);
    expect(cursor()).toBe(at(5));
  });

  it('goes on past page 1 when the server gives no total, until a short page', async () => {
    const all = Array.from({ length: 1_234 }, (_, n) => remote(n, at(n)));
    env.client.onList = listing(all, { omitTotal: true });
    await env.service.syncNow();
    expect(held()).toEqual(ids(all));
    expect(env.client.listCalls.length).toBe(3);
  });

  it('steps through a run of one stamp longer than a page by page number, then moves on by stamp', async () => {
    const all = [...Array.from({ length: 1_100 }, (_, n) => remote(n, at(7))), remote(1_100, at(8)), remote(1_101, at(9))];
    env.client.onList = listing(all);
    await env.service.syncNow();
    expect(env.client.listCalls.slice(0, 3)).toEqual([
      { updatedSince: null, page: 1 },
      { updatedSince: null, page: 2 },
      { updatedSince: null, page: 3 },
    ]);
    expect(held()).toEqual(ids(all));
    expect(cursor()).toBe(at(9));
  });

  it('never asks for a page that made no progress again: a server ignoring updated_since and page', async () => {
    const page = Array.from({ length: 500 }, (_, n) => remote(n, at(n)));
    env.client.onList = () => ({ ratings: page, received: 500, invalid: 0, total: 1_000_000, totalPages: null, pageSize: 500 });
    await env.service.syncNow();
    expect(env.client.listCalls.length).toBeLessThanOrEqual(3);
    expect(env.service.status().status).toBe('idle');
    expect(env.logs.some((l) => l.includes('same page again'))).toBe(true);
  });

  it('skips invalid entries but counts them for the short-page test, and never moves the cursor back', async () => {
    env.db.prepare("INSERT INTO sync_state (stream, cursor, updated_at) VALUES ('ratings', ?, ?)").run(at(100), at(100));
    env.client.onList = (q) =>
      q.page === 1 && q.updatedSince !== null
        ? { ratings: [remote(1, at(50))], received: 3, invalid: 2, total: null, totalPages: null, pageSize: 3 }
        : { ratings: [], received: 0, invalid: 0, total: null, totalPages: null, pageSize: 3 };
    await env.service.syncNow();
    expect(env.client.listCalls).toHaveLength(2);
    expect(held()).toEqual(['rating-001']);
    expect(cursor()).toBe(at(100));
    expect(env.logs.some((l) => l.includes('invalid ratings skipped'))).toBe(true);
  });

  it('keeps the stored cursor and the rows of a page together when a later page fails', async () => {
    const all = Array.from({ length: 1_200 }, (_, n) => remote(n, at(n)));
    const list = listing(all);
    env.client.onList = (q) => {
      if (env.client.listCalls.length >= 3) throw new Error('connection lost');
      return list(q);
    };
    await env.service.syncNow();
    expect(held()).toHaveLength(999); // page 2 re-read the boundary row of page 1
    expect(cursor()).toBe(at(997)); // below the newest stamp of page 2: more rows with it may follow
    env.client.onList = list;
    await env.service.syncNow();
    expect(held()).toEqual(ids(all));
  });
});

describe('isLastPage', () => {
  const page = (p: Partial<RatingPage>): RatingPage => ({ ratings: [], received: 10, invalid: 0, total: null, totalPages: null, pageSize: 10, ...p });
  it('follows total_pages, then total, then a short page', () => {
    expect(isLastPage(page({ totalPages: 3 }), 2)).toBe(false);
    expect(isLastPage(page({ totalPages: 3 }), 3)).toBe(true);
    expect(isLastPage(page({ total: 25 }), 2)).toBe(false);
    expect(isLastPage(page({ total: 20 }), 2)).toBe(true);
    expect(isLastPage(page({}), 9)).toBe(false);
    expect(isLastPage(page({ received: 9 }), 1)).toBe(true);
    expect(isLastPage(page({ received: 0, total: 100 }), 1)).toBe(true);
  });
});
