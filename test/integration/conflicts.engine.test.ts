/**
 * Conflicts end to end: the real engine syncing from the emulator, the local Atom editing the
 * same file with plain SQL, and resolution through the local HTTP API over loopback.
 */
import Database from 'better-sqlite3';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConflictDetail, ConflictListResponse, ResolveResponse } from '../../engine/contracts/localHttpApi.js';
import { startHarness, syncAndWait, type Harness } from '../support/harness.js';

let h: Harness;
let atom: Database.Database;

beforeEach(async () => {
  h = await startHarness({ skills: 40, seed: 11, engine: { listen: true } });
  await h.engine.start();
  expect((await syncAndWait(h.engine, 'full')).result).toBe('success');
  atom = new Database(h.dbPath, { timeout: 5_000 });
});
afterEach(async () => {
  atom.close();
  await h.close();
});

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await request(`${h.engine.url}/api/admin/sync${path}`, {
    method: method as 'GET',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, json: (await res.body.json()) as T };
}
const skill = (id: string) =>
  atom.prepare('SELECT description, version, payload, local_modified_at FROM community_skills WHERE skill_id = ?').get(id) as
    | { description: string; version: string; payload: string; local_modified_at: string | null }
    | undefined;

describe('conflicts through the engine', () => {
  it('detects clashes from a sync, protects local code, and resolves them through the API', async () => {
    // the local Atom edits three skills
    atom.prepare('UPDATE community_skills SET description = ? WHERE skill_id = ?').run('my own description', 'skill-000001');
    atom.prepare("UPDATE community_skills SET payload = json_set(payload, '$.code', ?) WHERE skill_id = ?").run('print("local")', 'skill-000002');
    atom.prepare('UPDATE community_skills SET description = ? WHERE skill_id = ?').run('untouched remotely', 'skill-000003');
    // the remote changes 1 (description and version), 2 (code, description and version), 4 (unmodified here)
    h.emulator.mutate({ update_ids: ['skill-000001', 'skill-000004'], push: false });
    h.emulator.mutate({ update_ids: ['skill-000002'], set: { code: 'import os; os.system("rm -rf ~")' }, push: false });
    expect((await syncAndWait(h.engine)).result).toBe('success');

    const list = await api<ConflictListResponse>('GET', '/conflicts');
    expect(list.status).toBe(200);
    expect(list.json.items.map((c) => [c.entity_id, c.conflict_type, c.severity, c.clashing_fields])).toEqual([
      ['skill-000002', 'both_modified', 'critical', ['code']],
      ['skill-000001', 'both_modified', 'low', ['description']],
    ]);
    expect(skill('skill-000002')!.payload).toContain('print(\\"local\\")');
    expect(skill('skill-000003')!.description).toBe('untouched remotely');
    expect(skill('skill-000004')!.description).toMatch(/Updated in v/);
    expect(h.engine.snapshot().conflicts).toMatchObject({ unresolved: 2, by_severity: { critical: 1, low: 1 } });

    const [critical, low] = list.json.items;
    const detail = await api<ConflictDetail>('GET', `/conflicts/${critical!.id}`);
    expect(detail.json.fields.find((f) => f.field === 'code')).toMatchObject({ mergeable: false, severity: 'critical', local: 'print("local")' });
    expect(detail.json.fields.find((f) => f.field === 'version')).toMatchObject({ mergeable: true });

    const refused = await api<{ error: string; detail: string }>('POST', `/conflicts/${low!.id}/resolve?strategy=merge`);
    expect(refused.status).toBe(409);
    expect(refused.json.error).toBe('merge_not_possible');
    expect(refused.json.detail).toContain('description');
    const merged = await api<ResolveResponse>('POST', `/conflicts/${low!.id}/resolve?strategy=merge`, { fields: { description: 'local' } });
    expect(merged.status).toBe(200);
    expect(skill('skill-000001')).toMatchObject({ description: 'my own description', local_modified_at: expect.any(String) });
    expect(skill('skill-000001')!.version).toBe(merged.json.applied!.version);

    const kept = await api<ResolveResponse>('POST', `/conflicts/${critical!.id}/resolve?strategy=local_wins`);
    expect(kept.status).toBe(200);
    expect((await api('POST', `/conflicts/${critical!.id}/resolve?strategy=remote_wins`)).status).toBe(409);
    expect(h.engine.services.conflicts.counts().unresolved).toBe(0);

    // the next full listing brings the same remote versions: nothing is detected again
    expect((await syncAndWait(h.engine, 'full')).result).toBe('success');
    expect(h.engine.services.conflicts.counts().unresolved).toBe(0);
    expect(skill('skill-000002')!.payload).toContain('print(\\"local\\")');
  });

  it('turns a remote deletion of a locally edited skill into a conflict; bulk remote_wins deletes it', async () => {
    atom.prepare('UPDATE community_skills SET description = ? WHERE skill_id = ?').run('mine', 'skill-000005');
    h.emulator.mutate({ delete_ids: ['skill-000005', 'skill-000006'], push: false });
    expect((await syncAndWait(h.engine)).result).toBe('success');
    expect(skill('skill-000006')).toBeUndefined();
    expect(skill('skill-000005')!.description).toBe('mine');
    const list = await api<ConflictListResponse>('GET', '/conflicts?status=all');
    expect(list.json.items.map((c) => [c.entity_id, c.conflict_type])).toEqual([['skill-000005', 'deleted_remotely']]);

    const bulk = await api<{ resolved: number; failed: unknown[] }>('POST', '/conflicts/bulk-resolve?strategy=remote_wins', { conflict_ids: [list.json.items[0]!.id, 98765] });
    expect(bulk.json).toMatchObject({ resolved: 1, failed: [{ id: 98765 }] });
    expect(skill('skill-000005')).toBeUndefined();
    expect((await syncAndWait(h.engine, 'full')).result).toBe('success');
    expect(h.engine.services.conflicts.counts().unresolved).toBe(0);
  });
});
