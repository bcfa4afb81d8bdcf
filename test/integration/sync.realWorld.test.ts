/**
 * Catalogue sync against a remote that behaves the way real servers do: listings that shift under
 * deletes, pages capped without a word, poison items, frames racing pages, tied and mixed-precision
 * stamps, a server filtering with >=, and a clock that lags. Each case once lost or doubled data.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { skillIdOf } from '../../emulator/dataset.js';
import type { RemoteSkill } from '../../engine/contracts/remote.js';
import { startHarness, syncAndWait, waitFor, type Harness } from '../support/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** The engine's log so far (none is written until something is logged at its level). */
const logText = (harness: Harness) => (existsSync(harness.logPath) ? readFileSync(harness.logPath, 'utf8') : '');

const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => skillIdOf(from + i));

function localIds(harness: Harness): Set<string> {
  return new Set(harness.db.prepare('SELECT skill_id FROM community_skills WHERE deleted_at IS NULL').pluck().all() as string[]);
}

function localPayload(harness: Harness, skillId: string): RemoteSkill | undefined {
  const payload = harness.db.prepare('SELECT payload FROM community_skills WHERE skill_id = ?').pluck().get(skillId) as string | undefined;
  return payload === undefined ? undefined : (JSON.parse(payload) as RemoteSkill);
}

/** Stamps as instants: a mixed-precision server writes "…00Z" for "…00.000Z". */
const instants = (skill: RemoteSkill | undefined) =>
  skill && { ...skill, created_at: Date.parse(skill.created_at ?? ''), updated_at: Date.parse(skill.updated_at ?? '') };

/** Local ids equal the remote's, and each cached payload is the remote's current one. */
function expectSameCatalogue(harness: Harness): void {
  const remote = [...harness.emulator.liveSkills()];
  const local = localIds(harness);
  const missing = remote.filter((s) => !local.has(s.skill_id)).map((s) => s.skill_id);
  const extra = [...local].filter((id) => !remote.some((s) => s.skill_id === id));
  expect({ missing: missing.slice(0, 5), missingCount: missing.length, extra: extra.slice(0, 5), extraCount: extra.length }).toEqual({
    missing: [],
    missingCount: 0,
    extra: [],
    extraCount: 0,
  });
  for (const skill of remote) expect(instants(localPayload(harness, skill.skill_id)), skill.skill_id).toEqual(instants(skill));
}

describe('full listings that shift or lie', () => {
  it('keeps every skill the remote still has when deletes shift the listing mid-run', async () => {
    h = await startHarness({ skills: 2000, env: { ATOM_SAAS_SYNC_BATCH_SIZE: '100' } });
    await syncAndWait(h.engine, 'full');
    h.emulator.setFaults({ latency_ms: 150 });
    const run = await h.engine.services.sync.trigger('full', 'manual');
    expect(run.accepted).toBe(true);
    // One second in, the remote deletes 300 skills from the front of its list.
    await new Promise((r) => setTimeout(r, 1000));
    h.emulator.mutate({ delete_ids: ids(0, 300), push: false });
    h.emulator.setFaults({});
    await h.engine.services.sync.idle();
    expect((await h.engine.services.sync.runs(1))[0]).toMatchObject({ result: 'success' });
    expect(h.emulator.skillCount()).toBe(1700);
    expectSameCatalogue(h);
  }, 60_000);

  it.each([
    ['a plain server', {}],
    // The re-read by cursor meets tied whole-second stamps, a >= filter and silently capped pages.
    ['a server with tied stamps, a >= filter and capped pages', { clock_resolution_ms: 1000, since_inclusive: true, page_size_cap: 40 }],
  ] as const)('caches every live skill when deletes and adds shift the pages while the total stays the same (%s)', async (_name, hostile) => {
    // No socket: the changes made during the listing are learnt by asking for them.
    h = await startHarness({ skills: 1000, seed: 23, env: { ATOM_SAAS_SYNC_BATCH_SIZE: '100', ATOM_SAAS_WS_ENABLED: 'false' } });
    h.emulator.setFaults({ ...hostile, listing_churn: { delete: 1, add: 1 } });
    const run = await syncAndWait(h.engine, 'full');
    expect(run.result).toBe('success');
    expect(h.emulator.skillCount()).toBe(1000);
    expectSameCatalogue(h);
  });

  it('reads the listing once when the deletions came just before it began', async () => {
    h = await startHarness({ skills: 300, env: { ATOM_SAAS_SYNC_BATCH_SIZE: '100', ATOM_SAAS_WS_ENABLED: 'false' } });
    await syncAndWait(h.engine, 'full');
    h.emulator.mutate({ delete_ids: ids(0, 10), push: false });
    expect((await syncAndWait(h.engine, 'full')).result).toBe('success');
    expect(logText(h)).not.toMatch(/listing (again|kept changing)/);
    expectSameCatalogue(h);
  });

  it('resumes a listing a crash interrupted while it was reading by cursor', async () => {
    h = await startHarness({ skills: 300, env: { ATOM_SAAS_SYNC_BATCH_SIZE: '100', ATOM_SAAS_WS_ENABLED: 'false', ATOM_LOG_LEVEL: 'info' } });
    await syncAndWait(h.engine, 'full');
    h.emulator.mutate({ delete_ids: ids(0, 20), update_ids: ids(100, 5), push: false });
    // The last process had switched to reading by cursor after its offset pages shifted, and died there.
    const cutoff = new Date().toISOString();
    const resume = {
      kind: 'full', page: 0, page_size: 100, cutoff, since: cutoff, done: 0, pass: 1, asked: 100,
      listing: { served: 100, first_total: 300, shifted: false }, keyset: { since: '1970-01-01T00:00:00.000Z', page: 1 },
    };
    h.db.prepare("UPDATE sync_state SET resume = ? WHERE stream = 'skills'").run(JSON.stringify(resume));
    const run = await syncAndWait(h.engine, 'full');
    expect(run.result).toBe('success');
    expect(logText(h)).toMatch(/resuming full sync.*by_keyset=true/);
    expectSameCatalogue(h);
  });

  it('notices the same shift from delete frames when the remote cannot list changes, and repairs it by the next listing', async () => {
    h = await startHarness({ skills: 1000, seed: 23, env: { ATOM_SAAS_SYNC_BATCH_SIZE: '100' } });
    await h.engine.start();
    await waitFor(() => h!.engine.services.websocket.status().connected, 5000);
    h.emulator.setFaults({ unsupported_extensions: ['updated_since'], listing_churn: { delete: 1, add: 1 } });
    expect((await syncAndWait(h.engine, 'full')).result).toBe('success');
    const log = logText(h);
    // The deletions the frames brought, not only the count, gave it away.
    expect(log).toMatch(/the listing (changed|kept changing) while it was read.*deleted_meanwhile=[1-9]/);
    // Every read shifted; what none of them listed is not lost, only late: the next listing brings it.
    h.emulator.setFaults({ unsupported_extensions: ['updated_since'] });
    expect((await syncAndWait(h.engine)).result).toBe('success');
    expectSameCatalogue(h);
  });

  it('keeps rows written by a resumed listing whose cutoff came from a clock running ahead', async () => {
    h = await startHarness({ skills: 500, env: { ATOM_SAAS_SYNC_BATCH_SIZE: '100' } });
    await syncAndWait(h.engine, 'full');
    // The process that started this listing had a clock an hour ahead; it died after page 2.
    const ahead = new Date(Date.now() + 3_600_000).toISOString();
    const resume = {
      kind: 'full', page: 2, page_size: 100, cutoff: ahead, since: new Date().toISOString(), done: 200,
      pass: 1, asked: 100, listing: { served: 100, first_total: 500, shifted: false },
    };
    h.db.prepare("UPDATE sync_state SET resume = ? WHERE stream = 'skills'").run(JSON.stringify(resume));
    const run = await syncAndWait(h.engine, 'full');
    expect(run.result).toBe('success');
    expectSameCatalogue(h);
  });

  it('lists everything from a server that caps page_size without saying so', async () => {
    h = await startHarness({ skills: 450, env: { ATOM_SAAS_SYNC_BATCH_SIZE: '100' } });
    h.emulator.setFaults({ page_size_cap: 40 });
    expect((await syncAndWait(h.engine, 'full')).result).toBe('success');
    expectSameCatalogue(h);
    // A second full listing must not remove what the capped pages served.
    h.emulator.mutate({ delete: 5, push: false });
    expect((await syncAndWait(h.engine, 'full')).result).toBe('success');
    expectSameCatalogue(h);
  });
});

describe('bad items never stop a sync', () => {
  it('skips, lists and retries a malformed skill while other changes keep arriving', async () => {
    h = await startHarness({ skills: 100 });
    await syncAndWait(h.engine);
    const poisoned = skillIdOf(4);
    const before = localPayload(h, poisoned);
    // From now on the remote serves it with a numeric version and an object for a name, everywhere.
    h.emulator.setFaults({ poison_ids: [poisoned] });
    h.emulator.mutate({ update_ids: [poisoned], push: false });
    for (let round = 0; round < 3; round++) {
      const changed = h.emulator.mutate({ update_ids: [skillIdOf(10 + round)], push: false }).updated[0]!;
      const run = await syncAndWait(h.engine, round === 2 ? 'full' : 'incremental');
      expect(run.result, `round ${round}: ${run.error ?? ''}`).toBe('success');
      expect(localPayload(h, changed)).toEqual([...h.emulator.liveSkills()].find((s) => s.skill_id === changed));
      // Never deleted for being invalid: the last good version stays.
      expect(localPayload(h, poisoned)).toEqual(before);
    }
    const status = h.engine.services.sync.status();
    expect(status).toMatchObject({ consecutive_failures: 0, invalid_items: 1, last_error: null });
    const errors = await h.engine.services.sync.invalidItems(10);
    expect(errors.invalid_items).toEqual([expect.objectContaining({ item_id: poisoned, stream: 'skills', reason: expect.stringMatching(/name|version/) })]);
    expect(errors.invalid_items[0]!.attempts).toBeGreaterThanOrEqual(3);
    const metrics = await h.engine.services.sync.status();
    expect(metrics.invalid_items).toBe(1);

    // Served valid again, with no new updated_at: the next incremental run asks for it by id.
    h.emulator.setFaults({});
    await syncAndWait(h.engine);
    expect(localPayload(h, poisoned)).toEqual([...h.emulator.liveSkills()].find((s) => s.skill_id === poisoned));
    expect(h.engine.services.sync.status().invalid_items).toBe(0);
  });
});

describe('frames and pages in any order', () => {
  it('never lets a page fetched before a frame overwrite it or bring back a deleted skill', async () => {
    h = await startHarness({ skills: 50 });
    await syncAndWait(h.engine, 'full');
    await h.engine.start();
    await waitFor(() => h!.engine.services.websocket.status().connected, 5000);
    // A listing page fetched now, written after the frames below.
    const stale = [...h.emulator.liveSkills()].slice(0, 3);
    const updated = h.emulator.mutate({ update_ids: [stale[0]!.skill_id] }).updated[0]!;
    h.emulator.mutate({ delete_ids: [stale[1]!.skill_id] });
    const fresh = [...h.emulator.liveSkills()].find((s) => s.skill_id === updated)!;
    await waitFor(() => localPayload(h!, updated)?.version === fresh.version && localPayload(h!, stale[1]!.skill_id) === undefined, 5000);

    const now = new Date().toISOString();
    const { tally } = await h.engine.store.write.catalogue.applyPage({ skills: stale, tombstones: [], invalid: [] }, null, now, now);
    expect(tally).toMatchObject({ stale: 2, unchanged: 1, inserted: 0, updated: 0 });
    expect(localPayload(h, updated)).toEqual(fresh);
    expect(localPayload(h, stale[1]!.skill_id)).toBeUndefined();
    expect(h.engine.services.conflicts.counts().unresolved).toBe(0);
  });
});

describe('frames out of order and twice', () => {
  it('ends at the newest version of each skill whatever order the frames arrive in', async () => {
    h = await startHarness({ skills: 30 });
    await syncAndWait(h.engine, 'full');
    await h.engine.start();
    await waitFor(() => h!.engine.services.websocket.status().connected, 5000);
    h.emulator.setFaults({ ws_reorder_rate: 0.5, ws_duplicate_rate: 0.3, seed: 5 });
    const targets = ids(0, 5);
    // Consecutive versions of one skill, so a held-back frame lands after a newer one.
    for (const id of targets) for (let round = 0; round < 6; round++) h.emulator.mutate({ update_ids: [id] });
    h.emulator.mutate({ delete_ids: [skillIdOf(5)] });
    h.emulator.mutate({ update_ids: [targets[0]!] });
    const remote = new Map([...h.emulator.liveSkills()].map((s) => [s.skill_id, s]));
    const settled = () => targets.every((id) => localPayload(h!, id)?.version === remote.get(id)!.version) && localPayload(h!, skillIdOf(5)) === undefined;
    await waitFor(settled, 5000);
    // Held-back frames arrive up to 200 ms late: nothing older may land after the newest.
    await new Promise((r) => setTimeout(r, 400));
    for (const id of targets) expect(localPayload(h, id)).toEqual(remote.get(id));
    expect(localPayload(h, skillIdOf(5))).toBeUndefined();
    expect(h.engine.services.conflicts.counts().unresolved).toBe(0);
  });
});

describe('incremental cursors', () => {
  it('ends a run against a >= server whose pages are full of one tied stamp', async () => {
    h = await startHarness({ skills: 400, env: { ATOM_SAAS_SYNC_BATCH_SIZE: '100' } });
    await syncAndWait(h.engine);
    h.emulator.setFaults({ since_inclusive: true });
    // The cursor now sits exactly on a row's stamp, which a >= server sends again on every page 1.
    h.emulator.mutate({ update_ids: [skillIdOf(399)], push: false });
    await syncAndWait(h.engine);
    const changed = h.emulator.mutate({ update_ids: ids(0, 250), tied: true, push: false }).updated;
    const run = await syncAndWait(h.engine);
    expect(run.result).toBe('success');
    for (const id of changed) expect(localPayload(h, id)).toEqual([...h.emulator.liveSkills()].find((s) => s.skill_id === id));
    // A second run with nothing new ends too, and changes nothing.
    expect((await syncAndWait(h.engine)).result).toBe('success');
    expectSameCatalogue(h);
  });

  it('compares mixed-precision stamps as instants and fetches changes a lagging clock stamped before the cursor', async () => {
    h = await startHarness({ skills: 200 });
    h.emulator.setFaults({ mixed_precision: true, clock_resolution_ms: 1000 });
    await syncAndWait(h.engine);
    h.emulator.mutate({ update: 5, push: false });
    await syncAndWait(h.engine);
    // The server's clock falls two seconds behind: new changes are stamped before the cursor it gave.
    h.emulator.setFaults({ mixed_precision: true, clock_skew_ms: -2000 });
    h.emulator.mutate({ update: 7, push: false });
    expect((await syncAndWait(h.engine)).result).toBe('success');
    expectSameCatalogue(h);
  });

  it('lists everything once when the remote clock steps back behind the cursor', async () => {
    h = await startHarness({ skills: 120 });
    await syncAndWait(h.engine);
    h.emulator.mutate({ update: 3, push: false });
    await syncAndWait(h.engine);
    // NTP steps the server's clock back two minutes: new changes sort before the cursor it gave.
    h.emulator.setFaults({ clock_skew_ms: -120_000 });
    h.emulator.mutate({ update: 6, delete: 2, add: 2, push: false });
    const run = await syncAndWait(h.engine);
    expect(run).toMatchObject({ result: 'success', mode: 'full' });
    expectSameCatalogue(h);
    // Back to keyset listings from the new, earlier cursor.
    h.emulator.mutate({ update: 4, push: false });
    expect(await syncAndWait(h.engine)).toMatchObject({ result: 'success', mode: 'incremental' });
    expectSameCatalogue(h);
  });
});

describe('automatic strategies and severity', () => {
  it('never lets remote_wins overwrite a local code edit or apply a downgrade on its own', async () => {
    h = await startHarness({ skills: 20, env: { ATOM_SAAS_CONFLICT_STRATEGY: 'remote_wins' } });
    await syncAndWait(h.engine);
    const [edited, downgraded] = [skillIdOf(2), skillIdOf(3)];
    // The local Atom edits a skill's code, as it does, with plain SQL.
    h.db.prepare("UPDATE community_skills SET payload = json_set(payload, '$.code', 'print(\"mine\")') WHERE skill_id = ?").run(edited);
    h.emulator.mutate({ update_ids: [edited], set: { code: 'print("theirs")' }, push: false });
    h.emulator.mutate({ update_ids: [downgraded], set: { version: '0.0.1' }, push: false });
    expect((await syncAndWait(h.engine)).result).toBe('success');
    expect(localPayload(h, edited)).toMatchObject({ code: 'print("mine")' });
    expect(localPayload(h, downgraded)!.version).not.toBe('0.0.1');
    const open = (await h.engine.services.conflicts.list({ status: 'unresolved', limit: 10, offset: 0 })).items.map((c) => c.entity_id).sort();
    expect(open).toEqual([edited, downgraded]);
  });
});

