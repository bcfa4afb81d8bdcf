import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { RemoteCategory, RemoteSkill, RemoteSkillEntry, SkillListResponse } from '../../engine/contracts/remote.js';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';

let emu: EmulatorHandle;

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await request(`${emu.apiUrl}${path}`, { headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

async function listAll(pageSize: number, extra = ''): Promise<{ entries: RemoteSkillEntry[]; pages: SkillListResponse[] }> {
  const entries: RemoteSkillEntry[] = [];
  const pages: SkillListResponse[] = [];
  for (let page = 1; page <= 200; page++) {
    const res = await get(`/skills/marketplace/skills?page=${page}&page_size=${pageSize}${extra}`);
    expect(res.status).toBe(200);
    const body = res.json() as SkillListResponse;
    pages.push(body);
    entries.push(...body.skills);
    if (page >= (body.total_pages ?? 0)) break;
  }
  return { entries, pages };
}

beforeAll(async () => {
  emu = await startEmulator({ skills: 2500, seed: 3 });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

describe('emulator catalogue listing', () => {
  it.each([100, 1000])('pages of %i cover every skill exactly once, in skill_id order', async (pageSize) => {
    const { entries, pages } = await listAll(pageSize);
    const ids = entries.map((s) => s.skill_id);
    expect(pages[0]?.total).toBe(2500);
    expect(pages[0]?.total_pages).toBe(Math.ceil(2500 / pageSize));
    expect(new Set(ids).size).toBe(2500);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual(Array.from(emu.liveSkills(), (s) => s.skill_id));
  });

  it('serves complete, typed skills', async () => {
    const body = (await get('/skills/marketplace/skills?page=1&page_size=50')).json() as SkillListResponse;
    for (const skill of body.skills as RemoteSkill[]) {
      expect(skill.name).toMatch(/\w+ \w+/);
      expect(skill.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(Array.isArray(skill.tags)).toBe(true);
      expect(typeof skill.code).toBe('string');
      expect(skill.rating_count).toBeGreaterThanOrEqual(0);
      expect(Date.parse(skill.updated_at ?? '')).toBeGreaterThan(0);
    }
  });

  it('rejects bad paging with 400 JSON and unknown skills with 404', async () => {
    for (const query of ['page=0', 'page_size=abc', 'page_size=0', 'page=-1', 'page=1&page=2']) {
      const res = await get(`/skills/marketplace/skills?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.json()).toMatchObject({ error: 'bad_request', detail: expect.any(String) });
    }
    expect((await get('/skills/marketplace/skills/skill-999999')).status).toBe(404);
    expect((await get('/skills/marketplace/skills/nonsense')).status).toBe(404);
    const one = await get('/skills/marketplace/skills/skill-000042');
    expect(one.status).toBe(200);
    expect(one.json()).toMatchObject({ skill_id: 'skill-000042' });
    expect((await get('/no/such/path')).status).toBe(404);
  });

  it('caps page_size above 1000 silently, echoing what was asked', async () => {
    const res = await get('/skills/marketplace/skills?page=2&page_size=5000');
    expect(res.status).toBe(200);
    const body = res.json() as SkillListResponse;
    expect(body).toMatchObject({ total: 2500, page: 2, page_size: 5000, total_pages: 1 });
    expect(body.skills).toHaveLength(1000);
    expect(body.skills[0]?.skill_id).toBe('skill-001001');
  });

  it('filters by category and skill_type', async () => {
    const categories = (await get('/skills/marketplace/categories')).json() as RemoteCategory[];
    const first = categories[0] as RemoteCategory;
    const byCategory = (await get(`/skills/marketplace/skills?page_size=1000&category=${encodeURIComponent(first.name)}`)).json() as SkillListResponse;
    expect(byCategory.total).toBe(first.skill_count);
    expect((byCategory.skills as RemoteSkill[]).every((s) => s.category === first.name)).toBe(true);
    const prompts = (await get('/skills/marketplace/skills?page_size=1000&skill_type=prompt')).json() as SkillListResponse;
    expect(prompts.total).toBeGreaterThan(0);
    expect((prompts.skills as RemoteSkill[]).every((s) => s.skill_type === 'prompt')).toBe(true);
  });

  it('keeps category counts in step with the live skills', async () => {
    const before = (await get('/skills/marketplace/categories')).json() as RemoteCategory[];
    expect(before).toHaveLength(20);
    expect(before.reduce((n, c) => n + c.skill_count, 0)).toBe(2500);
    emu.mutate({ delete: 3, add: 1 });
    const after = (await get('/skills/marketplace/categories')).json() as RemoteCategory[];
    expect(after.reduce((n, c) => n + c.skill_count, 0)).toBe(2498);
  });
});

describe('emulator incremental listing (ext)', () => {
  it('returns exactly the changed skills and tombstones after a cursor', async () => {
    const first = await listAll(1000, '&updated_since=2000-01-01T00:00:00Z&include_deleted=true');
    expect(first.entries).toHaveLength(2500);
    const cursor = first.pages.at(-1)?.cursor as string;
    expect(first.pages.every((p) => p.cursor === cursor)).toBe(true);
    expect(cursor).toBe((first.entries.at(-1) as RemoteSkill).updated_at);

    const change = emu.mutate({ update: 10, delete: 3 });
    const next = await listAll(4, `&updated_since=${encodeURIComponent(cursor)}&include_deleted=true`);
    const updated = next.entries.filter((e) => !('deleted' in e));
    const tombstones = next.entries.filter((e) => 'deleted' in e);
    expect(updated.map((s) => s.skill_id).sort()).toEqual([...change.updated].sort());
    expect(tombstones.map((s) => s.skill_id).sort()).toEqual([...change.deleted].sort());
    expect(tombstones.every((t) => t.deleted === true && Date.parse(t.updated_at ?? "") > Date.parse(cursor))).toBe(true);
    const times = next.entries.map((e) => Date.parse(e.updated_at ?? ''));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(times.length);
    expect(next.pages[0]?.total).toBe(13);

    const liveOnly = await listAll(100, `&updated_since=${encodeURIComponent(cursor)}`);
    expect(liveOnly.entries).toHaveLength(10);

    const newCursor = next.pages.at(-1)?.cursor as string;
    const empty = (await get(`/skills/marketplace/skills?updated_since=${encodeURIComponent(newCursor)}&include_deleted=true`)).json() as SkillListResponse;
    expect(empty).toMatchObject({ skills: [], total: 0, cursor: newCursor });
    expect((await get(`/skills/marketplace/skills/${change.deleted[0] as string}`)).status).toBe(404);
  });

  it('does not move updated_at when a skill is rated, but changes its average', async () => {
    const { pages } = await listAll(1000, '&updated_since=2000-01-01T00:00:00Z');
    const cursor = pages.at(-1)?.cursor as string;
    const before = (await get('/skills/marketplace/skills/skill-000007')).json() as RemoteSkill;
    const res = await request(`${emu.apiUrl}/skills/marketplace/skills/skill-000007/rate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ skill_id: 'skill-000007', user_id: 'u1', rating: 1, comment: null }),
    });
    expect(res.statusCode).toBe(200);
    await res.body.text();
    const after = (await get('/skills/marketplace/skills/skill-000007')).json() as RemoteSkill;
    expect(after.rating_count).toBe((before.rating_count ?? 0) + 1);
    expect(after.updated_at).toBe(before.updated_at);
    const since = (await get(`/skills/marketplace/skills?updated_since=${encodeURIComponent(cursor)}&include_deleted=true`)).json() as SkillListResponse;
    expect(since.total).toBe(0);
  });

  it('rejects an unparseable updated_since with 400', async () => {
    expect((await get('/skills/marketplace/skills?updated_since=yesterday')).status).toBe(400);
  });
});

describe('emulator token auth', () => {
  it('answers 401 without the token and 200 with Bearer or X-API-Token', async () => {
    const secured = await startEmulator({ skills: 10, token: 's3cret' });
    try {
      const url = `${secured.apiUrl}/skills/marketplace/categories`;
      const status = async (headers: Record<string, string>) => {
        const res = await request(url, { headers });
        const text = await res.body.text();
        return { status: res.statusCode, text };
      };
      const none = await status({});
      expect(none.status).toBe(401);
      expect(JSON.parse(none.text)).toMatchObject({ error: 'unauthorized' });
      expect((await status({ authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await status({ authorization: 'Bearer s3cret' })).status).toBe(200);
      expect((await status({ 'x-api-token': 's3cret' })).status).toBe(200);
      // The control API is for the local operator and needs no token.
      const stats = await request(`${secured.baseUrl}/__emulator/stats`);
      expect(stats.statusCode).toBe(200);
      await stats.body.text();
    } finally {
      await secured.close();
    }
  });
});
