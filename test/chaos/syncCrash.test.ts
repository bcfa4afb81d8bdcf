import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { spawnDaemon } from '../support/daemonProcess.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';

const SKILLS = Number(process.env.ATOM_CHAOS_SKILLS ?? 20_000);

describe('a full sync killed mid-run', () => {
  const tmp = tempDir('atom-sync-crash-');
  let emulator: EmulatorHandle;
  beforeAll(async () => {
    emulator = await startEmulator({ skills: SKILLS, seed: 3 });
  });
  afterAll(async () => {
    await emulator.close();
    tmp.cleanup();
  });

  it('resumes from its last committed batch after SIGKILL and converges', async () => {
    const dbPath = tmp.file('atom_dev.db');
    const env = {
      ATOM_SAAS_API_URL: emulator.apiUrl,
      ATOM_SAAS_WS_URL: emulator.wsUrl,
      ATOM_DB_PATH: dbPath,
      ATOM_LOG_PATH: tmp.file('logs/atom.log'),
      ATOM_SYNC_PORT: '0',
      ATOM_SAAS_SYNC_BATCH_SIZE: '100',
    };
    // Slow the listing so the kill lands mid-run.
    emulator.setFaults({ latency_ms: 5 });
    const first = spawnDaemon(env);
    const progressed = await waitFor(() => {
      try {
        const db = new Database(dbPath, { readonly: true, fileMustExist: true });
        const resume = db.prepare("SELECT resume FROM sync_state WHERE stream = 'skills'").pluck().get() as string | undefined;
        db.close();
        return resume ? (JSON.parse(resume) as { page: number }).page >= 20 : false;
      } catch {
        return false;
      }
    }, 60_000, 20);
    expect(progressed).toBe(true);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const mid = new Database(dbPath);
    const resumedAt = JSON.parse(mid.prepare("SELECT resume FROM sync_state WHERE stream = 'skills'").pluck().get() as string) as { page: number };
    expect(mid.pragma('integrity_check', { simple: true })).toBe('ok');
    // only whole batches: rows are a multiple of the batch size
    expect((mid.prepare('SELECT COUNT(*) FROM community_skills').pluck().get() as number) % 100).toBe(0);
    mid.close();

    emulator.setFaults({});
    const second = spawnDaemon(env);
    try {
      await waitFor(() => /sync completed/.test(second.output()), 120_000, 50);
      expect(second.output()).toMatch(new RegExp(`resuming full sync page=${resumedAt.page + 1}`));
    } finally {
      second.child.kill('SIGTERM');
      const exit = await second.exited;
      expect(exit.code).toBe(0);
    }
    const db = new Database(dbPath, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare('SELECT COUNT(*) FROM community_skills').pluck().get()).toBe(emulator.skillCount());
    const runs = db.prepare("SELECT result FROM sync_runs WHERE stream = 'skills' ORDER BY id").pluck().all();
    expect(runs).toEqual(['cancelled', 'success']);
    db.close();
  }, 240_000);
});
