/**
 * The local Atom app holds the database's write lock for 8 s (a long transaction of its own)
 * while every kind of work arrives: the scheduled sync, a manual trigger, a rating sync, a
 * conflict resolution and WebSocket frames. The daemon must keep answering its probes, say what
 * is wrong, and apply everything once the lock is gone.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import type { ConflictListResponse, HealthResponse, SyncStatusResponse } from '../../engine/contracts/localHttpApi.js';
import { LocalAtom } from '../support/localAtom.js';
import { startProbes } from './support/probes.js';
import { startDaemon, type RunningDaemon } from '../support/runningDaemon.js';
import { holdWriteLock } from '../support/lockHolder.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';

const LOCK_MS = 8_000;
const SKILLS = 2_000;

describe('a database locked by another process', () => {
  const tmp = tempDir('atom-lock-');
  const dbPath = tmp.file('atom_dev.db');
  let emulator: EmulatorHandle;
  let daemon: RunningDaemon;

  beforeAll(async () => {
    emulator = await startEmulator({ skills: SKILLS, seed: 7 });
    daemon = await startDaemon({
      ATOM_SAAS_API_URL: emulator.apiUrl,
      ATOM_SAAS_WS_URL: emulator.wsUrl,
      ATOM_DB_PATH: dbPath,
      ATOM_LOG_PATH: tmp.file('logs/atom.log'),
      ATOM_SAAS_SYNC_INTERVAL_MINUTES: '1',
      ATOM_SAAS_SYNC_BATCH_SIZE: '100',
    });
  }, 60_000);
  afterAll(async () => {
    await daemon?.stop();
    await emulator?.close();
    tmp.cleanup();
  });

  const status = async () => (await daemon.call<SyncStatusResponse>('GET', '/api/admin/sync/status')).body;
  const localVersion = (db: Database.Database, id: string) =>
    (JSON.parse((db.prepare('SELECT payload FROM community_skills WHERE skill_id = ?').pluck().get(id) as string | undefined) ?? '{}') as { version?: string }).version;

  it('keeps the probes fast, reports the lock, and applies everything asked for once it is released', async () => {
    await waitFor(async () => (await status()).skills_cached === SKILLS && (await status()).status === 'idle', 60_000, 100);
    await waitFor(async () => (await daemon.call<{ connected: boolean }>('GET', '/api/admin/sync/websocket/status')).body.connected, 10_000, 50);

    // A conflict to resolve, and a rating to upload, made by the local app before it locks the file.
    const local = new LocalAtom(dbPath);
    const ids = [...emulator.liveSkills()].slice(0, 4).map((s) => s.skill_id);
    const [conflicted, rated, pushedA, pushedB] = ids as [string, string, string, string];
    local.editSkills([conflicted], () => 'edited in the local app');
    emulator.mutate({ update_ids: [conflicted] });
    await daemon.call('POST', '/api/admin/sync/trigger');
    const conflict = await waitFor(async () => {
      const list = (await daemon.call<ConflictListResponse>('GET', '/api/admin/sync/conflicts')).body;
      return list.items.find((c) => c.entity_id === conflicted);
    }, 20_000, 100);
    if (!conflict) throw new Error('no conflict recorded');
    await waitFor(async () => (await status()).status === 'idle', 20_000, 50);
    const [ratingId] = local.addRatings([rated], 'during the lock');

    // Lock so that the scheduled run falls inside the lock.
    const next = Date.parse((await status()).next_sync!);
    const wait = next - Date.now() - 3_000;
    expect(wait).toBeLessThan(65_000);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));

    const probes = startProbes(daemon.url, { intervalMs: 50, slowMs: 100 });
    probes.watch(true);
    const lock = await holdWriteLock(dbPath, LOCK_MS);
    const lockedAt = Date.now();
    const pushed = emulator.mutate({ update_ids: [pushedA, pushedB], push: true }).updated;
    const trigger = daemon.call<{ accepted?: boolean; error?: string }>('POST', '/api/admin/sync/trigger', undefined, 30_000);
    const ratingSync = daemon.call('POST', '/api/admin/sync/ratings', undefined, 30_000);
    const resolve = daemon.call<{ status?: string }>('POST', `/api/admin/sync/conflicts/${conflict.id}/resolve?strategy=remote_wins`, undefined, 30_000);
    const degraded = await waitFor(async () => {
      const health = (await daemon.call<HealthResponse>('GET', '/health/sync')).body;
      return health.checks.database.status === 'degraded' ? health : null;
    }, LOCK_MS - 1_000, 100);
    expect(degraded!.status).toBe('degraded');
    expect(degraded!.checks.database.detail).toMatch(/^the database is locked by another process \(\d+ s\)/);
    expect(Date.now() - lockedAt).toBeLessThan(LOCK_MS);

    await lock.released;
    const [triggered, rating, resolved] = await Promise.all([trigger, ratingSync, resolve]);
    // The manual trigger waited for the lock, or met the scheduled run that did.
    expect([202, 409]).toContain(triggered.status);
    if (triggered.status === 409) expect(triggered.body.error).toBe('sync_in_progress');
    expect(rating.status).toBe(202);
    expect(resolved.status).toBe(200);
    expect(resolved.body.status).toBe('resolved');

    await waitFor(async () => (await daemon.call<HealthResponse>('GET', '/health/sync')).body.checks.database.status === 'healthy', 10_000, 100);
    const reader = new Database(dbPath, { readonly: true });
    try {
      const remote = new Map([...emulator.liveSkills()].map((s) => [s.skill_id, s.version]));
      await waitFor(() => pushed.every((id) => localVersion(reader, id) === remote.get(id)), 20_000, 100);
      expect(localVersion(reader, conflicted)).toBe(remote.get(conflicted));
      await waitFor(() => emulator.receivedRatings().items.some((r) => r.client_rating_ids.includes(ratingId!)), 20_000, 100);
      expect(emulator.receivedRatings().duplicates).toEqual([]);
      await waitFor(async () => (await status()).status === 'idle', 20_000, 100);
      const after = reader.prepare("SELECT result FROM sync_runs WHERE stream = 'skills' AND started_at >= ? ORDER BY id").pluck().all(new Date(lockedAt - 5_000).toISOString());
      expect(after).toContain('success');
      expect(reader.prepare('SELECT COUNT(*) FROM community_skills').pluck().get()).toBe(emulator.skillCount());
    } finally {
      reader.close();
      local.close();
    }

    const stats = await probes.stop();
    expect(stats.probes).toBeGreaterThan(LOCK_MS / 100);
    expect(stats.failures).toEqual([]);
    expect(stats.maxMs).toBeLessThan(100);
    expect(daemon.proc.child.exitCode).toBeNull();
    expect(daemon.output()).not.toMatch(/unhandled|uncaught/i);
  }, 180_000);
});
