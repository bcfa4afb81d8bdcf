import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineEvents } from '../../engine/events.js';
import { errorKind } from '../../engine/errors.js';
import { openStore } from '../../engine/storeHost/openStore.js';
import { holdWriteLock } from '../support/lockHolder.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';

const NOW = '2026-01-01T00:00:00.000Z';
const categories = (n: number, size = 10) =>
  Array.from({ length: n }, (_, i) => ({ name: `category-${i}`, slug: `category-${i}`, description: 'x'.repeat(size), skill_count: 0 }));

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function open(options: Partial<Parameters<typeof openStore>[0]> = {}) {
  const tmp = tempDir('atom-store-');
  const file = tmp.file('atom_dev.db');
  const busy: Array<number | null> = [];
  const store = await openStore({ file, onBusy: (since) => busy.push(since), ...options });
  cleanup.push(async () => {
    await store.close();
    tmp.cleanup();
  });
  return { store, file, busy };
}

describe('the store worker', () => {
  it('answers reads while another process holds the write lock, and runs the waiting write once it is released', async () => {
    const { store, file, busy } = await open({ busyLimitMs: 10_000 });
    await store.write.categories.replaceAll(categories(3), NOW);
    const lock = await holdWriteLock(file, 1_500);
    const order: string[] = [];
    const write = store.write.catalogue.startRun('incremental', NOW).then((id) => {
      order.push('write');
      return id;
    });
    await waitFor(() => busy.length > 0, 5_000);
    expect(busy[0]).toEqual(expect.any(Number));
    // The worker is not stuck inside SQLite: reads come back while the write waits.
    for (let i = 0; i < 5; i++) expect(await store.read.categories.count()).toBe(3);
    order.push('reads');
    expect(await write).toBe(1);
    await lock.released;
    expect(order).toEqual(['reads', 'write']);
    await waitFor(() => busy.at(-1) === null, 5_000);
    expect((await store.read.catalogue.facts()).last_sync).toBeNull();
  });

  it('fails a write with database_busy past the limit, leaves nothing half-written, and writes again once free', async () => {
    const { store, file, busy } = await open({ busyLimitMs: 400 });
    const lock = await holdWriteLock(file, 2_000);
    const failed = await store.write.catalogue.replaceCategories(categories(5), NOW, NOW).catch((error: unknown) => error);
    expect(errorKind(failed)).toBe('database_busy');
    expect((failed as Error).message).toMatch(/locked by another process/);
    expect(await store.read.categories.count()).toBe(0);
    await lock.released;
    // Nothing else writes: the worker notices the lock is gone by itself.
    await waitFor(() => busy.at(-1) === null, 5_000);
    await store.write.catalogue.replaceCategories(categories(5), NOW, NOW);
    expect(await store.read.categories.count()).toBe(5);
  });

  it('runs writes in the order they were sent, each as one transaction', async () => {
    const { store, file } = await open();
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => store.write.runs.start('skills', 'incremental', `2026-01-01T00:00:${String(i).padStart(2, '0')}.000Z`)));
    expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const db = new Database(file, { readonly: true });
    const started = db.prepare('SELECT started_at FROM sync_runs ORDER BY id').pluck().all() as string[];
    db.close();
    expect(started).toEqual([...started].sort());
  });

  it('gives errors back with their class and kind, and refuses paths outside its tree', async () => {
    const { store } = await open();
    const missing = await store.read.conflicts.get(12345).catch((error: unknown) => error);
    expect(missing).toMatchObject({ name: 'EngineError', code: 'not_found', status: 404 });
    const storeAny = store.read as unknown as Record<string, Record<string, () => Promise<unknown>>>;
    await expect(storeAny.skills!.constructor!()).rejects.toThrow(/no store call/);
    await expect(storeAny.nothing!.here!()).rejects.toThrow(/no store call/);
  });

  it('delivers events raised inside a unit to the engine bus once it commits, before its answer', async () => {
    const events = new EngineEvents();
    const seen: string[] = [];
    events.on('conflict.detected', (e) => seen.push(`detected ${e.entity_id}`));
    events.on('conflicts.counts', (c) => seen.push(`counts ${c.unresolved}`));
    const { store, file } = await open({ events });
    const skill = { skill_id: 's1', name: 'One', description: 'remote', version: '1.0.0', updated_at: '2026-01-01T00:00:00.000Z' };
    await store.write.catalogue.applyPage({ skills: [skill], tombstones: [], invalid: [] }, null, NOW, NOW);
    // The local Atom edits the row; the next remote version of it is a conflict, raised inside the page's unit.
    const local = new Database(file);
    local.prepare("UPDATE community_skills SET description = 'edited locally' WHERE skill_id = 's1'").run();
    local.close();
    const later = '2026-01-01T00:00:01.000Z';
    const page = store.write.catalogue.applyPage({ skills: [{ ...skill, description: 'remote edit', updated_at: later }], tombstones: [], invalid: [] }, null, later, later);
    const seenAtAnswer = page.then(() => [...seen]);
    expect((await page).tally.conflicts).toBe(1);
    expect(await seenAtAnswer).toEqual(['detected s1', 'counts 1']);
    expect(await store.read.conflicts.counts()).toMatchObject({ unresolved: 1 });
    expect(seen).toEqual(['detected s1', 'counts 1']); // a read raises nothing
  });

  it('copies the WAL into the database file with passive checkpoints', async () => {
    const { store, file } = await open({ checkpointIntervalMs: 50 });
    await store.write.categories.replaceAll(categories(3000, 1000), NOW);
    await waitFor(() => statSync(file).size > 2 * 1024 * 1024, 5_000, 20);
    expect(await store.read.categories.count()).toBe(3000);
  });

  it('fails calls with a clear error once closed', async () => {
    const { store } = await open();
    await store.close();
    const error = await store.read.skills.count().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'StoreUnavailableError' });
  });
});

