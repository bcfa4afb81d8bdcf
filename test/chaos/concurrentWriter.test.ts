/**
 * The local Atom app (another process, test/chaos/support/localWriter.ts) writes ratings and edits
 * skills in atom_dev.db while the engine runs full and incremental syncs, socket updates and
 * rating uploads against the same file: nobody sees SQLITE_BUSY, and no write is lost.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { skillIdOf } from '../../emulator/dataset.js';
import { startHarness, syncAndWait, waitFor, type Harness } from '../support/harness.js';
import { deliveryProblems } from '../support/convergence.js';
import { sleep } from '../support/daemonOps.js';
import { LocalAtom } from '../support/localAtom.js';
import type { WriterReport } from './support/localWriter.js';

const FULL = process.env.ATOM_CHAOS_SCALE === 'full';
const SKILLS = FULL ? 20_000 : 2_000;
const DURATION_MS = FULL ? 30_000 : 4_000;
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('a second process writing to atom_dev.db during syncs', () => {
  it('surfaces no SQLITE_BUSY and loses no rating or edit', async () => {
    h = await startHarness({ skills: SKILLS, seed: 21, env: { ATOM_LOG_LEVEL: 'error', ATOM_SAAS_RATING_BATCH_SIZE: '50' } });
    const { engine, emulator } = h;
    await engine.start();
    expect((await syncAndWait(engine)).result).toBe('success');
    await waitFor(() => engine.services.websocket.status().connected, 10_000, 20);

    const writer = promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', path.join(here, 'support/localWriter.ts'), '--db', h.dbPath, '--skills', String(SKILLS), '--rate-skills', String(SKILLS / 2), '--duration', String(DURATION_MS), '--seed', '7'],
      { cwd: root, maxBuffer: 64 * 2 ** 20, timeout: DURATION_MS + 60_000 },
    );
    // The engine works the same file meanwhile: remote changes pushed and polled, full and
    // incremental listings, rating uploads.
    let writerDone = false;
    void writer.finally(() => (writerDone = true)).catch(() => undefined);
    const runs = { full: 0, incremental: 0 };
    for (let round = 0; round < 200 && !writerDone; round++) {
      // deletions only in the upper half: the writer rates the lower half
      emulator.mutate({ update: 40, add: 2, delete_ids: [skillIdOf(SKILLS - 1 - round)], push: true });
      const mode = round % 3 === 2 ? 'full' : 'incremental';
      if ((await engine.services.sync.trigger(mode, 'manual')).accepted) runs[mode]++;
      await Promise.all([engine.services.sync.idle(), engine.services.ratings.syncNow()]);
      await sleep(20);
    }
    const report = JSON.parse((await writer).stdout.trim().split('\n').pop()!) as WriterReport;

    // Settle: one more sync for the last remote changes, uploads until nothing is pending.
    await engine.services.sync.idle();
    expect((await syncAndWait(engine)).result).toBe('success');
    for (let pass = 0; pass < 10 && engine.services.ratings.status().pending_count > 0; pass++) await engine.services.ratings.syncNow();

    console.log(
      `concurrent writer: ${report.ops} writer ops (${report.ratings.length} ratings, ${Object.keys(report.edits).length} skills edited), ` +
        `${runs.full} full + ${runs.incremental} incremental syncs alongside`,
    );
    expect(report.errors).toEqual([]);
    expect(runs.full + runs.incremental).toBeGreaterThanOrEqual(3);
    expect(report.ratings.length).toBeGreaterThan(100);

    const local = new LocalAtom(h.dbPath, { readonly: true });
    try {
      const failedRuns = local.db.prepare("SELECT id, mode, error_kind, error FROM sync_runs WHERE result <> 'success'").all();
      expect(failedRuns).toEqual([]);
      expect(engine.services.ratings.status()).toMatchObject({ pending_count: 0, failed_count: 0, last_error: null });
      expect(deliveryProblems(report.ratings, emulator.receivedRatings()).problems).toEqual([]);

      // every edit is still in the row, or recorded as the local side of a conflict
      const rows = local.skills();
      const conflictLocal = new Map<string, string[]>();
      for (const c of local.db.prepare('SELECT entity_id, local FROM sync_conflicts').all() as Array<{ entity_id: string; local: string | null }>) {
        const description = (JSON.parse(c.local ?? '{}') as { description?: string }).description;
        if (description) conflictLocal.set(c.entity_id, [...(conflictLocal.get(c.entity_id) ?? []), description]);
      }
      const lost: string[] = [];
      let kept = 0;
      let inConflict = 0;
      for (const [skillId, description] of Object.entries(report.edits)) {
        if (rows.get(skillId)?.description === description) kept++;
        else if (conflictLocal.get(skillId)?.includes(description)) inConflict++;
        else lost.push(`${skillId}: "${description}" is neither in the row ("${rows.get(skillId)?.description}") nor in a conflict`);
      }
      const contested = Object.keys(report.edits).filter((id) => conflictLocal.has(id)).length;
      console.log(`edits: ${kept} still in place (${contested} of the edited skills met a remote change: conflict recorded), ${inConflict} kept only as the local side of a conflict`);
      expect(lost.slice(0, 10)).toEqual([]);
    } finally {
      local.close();
    }
  }, FULL ? 300_000 : 90_000);
});
