import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { RemoteCategory, SkillListResponse } from '../../engine/contracts/remote.js';
import { startEmulator } from '../../emulator/index.js';

describe('emulator at scale', () => {
  it('starts the default 500-skill catalogue in under a second', async () => {
    const started = performance.now();
    const emu = await startEmulator();
    const ms = performance.now() - started;
    console.log(`emulator: 500 skills ready in ${ms.toFixed(1)} ms`);
    try {
      expect(ms).toBeLessThan(1000);
      expect(emu.skillCount()).toBe(500);
    } finally {
      await emu.close();
    }
  });

  it('serves 100,000 skills: quick start, fast deep pages, consistent counts', async () => {
    const started = performance.now();
    const emu = await startEmulator({ skills: 100_000 });
    const startMs = performance.now() - started;
    try {
      const get = async (path: string) => {
        const t0 = performance.now();
        const res = await request(`${emu.apiUrl}${path}`);
        const body = await res.body.json();
        return { status: res.statusCode, body, ms: performance.now() - t0 };
      };
      await get('/skills/marketplace/skills?page=1&page_size=10'); // warm the connection and caches
      const last = await get('/skills/marketplace/skills?page=100&page_size=1000');
      const page = last.body as SkillListResponse;
      console.log(`emulator: 100,000 skills ready in ${startMs.toFixed(1)} ms; page 100 of 1000 served in ${last.ms.toFixed(1)} ms`);
      expect(startMs).toBeLessThan(2000);
      expect(last.status).toBe(200);
      expect(page).toMatchObject({ total: 100_000, total_pages: 100, page: 100 });
      expect(page.skills).toHaveLength(1000);
      expect(page.skills.at(-1)?.skill_id).toBe('skill-100000');
      expect(last.ms).toBeLessThan(500);

      const categories = (await get('/skills/marketplace/categories')).body as RemoteCategory[];
      expect(categories.reduce((n, c) => n + c.skill_count, 0)).toBe(100_000);

      const change = emu.mutate({ update: 5, delete: 5 });
      const incremental = await get('/skills/marketplace/skills?updated_since=2026-01-02T12:00:00Z&include_deleted=true&page_size=1000');
      expect((incremental.body as SkillListResponse).total).toBe(change.updated.length + change.deleted.length);
      expect(emu.skillCount()).toBe(99_995);
    } finally {
      await emu.close();
    }
  });
});
