/**
 * Real parts for the desktop shell's tests without Electron: the emulator on loopback, and an
 * engine listening on 127.0.0.1 (an OS-chosen port) whose saved settings live in a desktop
 * persistence in a temp userData folder, as the app builds it.
 */
import Database from 'better-sqlite3';
import { startEmulator, type EmulatorHandle } from '../../../emulator/index.js';
import { loadSettings, type SettingsSource } from '../../../engine/config/savedSettings.js';
import { createEngine, type EngineInternals } from '../../../engine/index.js';
import { DesktopSettingsPersistence } from '../../../electron/model/desktopPersistence.js';
import { tempDir } from '../../support/tempDir.js';
import { keyring } from '../../support/keyring.js';
import { engineEnv } from '../../support/engineEnv.js';


export interface DesktopEngine {
  emulator: EmulatorHandle;
  engine: EngineInternals;
  source: SettingsSource;
  persistence: DesktopSettingsPersistence;
  dir: string;
  dbPath: string;
  logPath: string;
  /** The local Atom's own connection to the file (tests edit through it). */
  db: Database.Database;
  close(): Promise<void>;
}

export async function startDesktopEngine(opts: { skills?: number; env?: Record<string, string> } = {}): Promise<DesktopEngine> {
  const tmp = tempDir('atom-desktop-');
  const emulator = await startEmulator({ skills: opts.skills ?? 30, categories: 5, seed: 7 });
  const dbPath = tmp.file('atom-sync.db');
  const logPath = tmp.file('logs/atom-sync.log');
  const persistence = new DesktopSettingsPersistence(tmp.file('userData'), keyring());
  const source: SettingsSource = {
    env: { ...engineEnv(emulator, { dbPath, logPath }), ...opts.env },
    cwd: tmp.dir,
    persistence,
  };
  const engine = await createEngine(loadSettings(source), { listen: true, syncOnStart: false, staticDir: null, settings: source, demoRemote: startEmulator });
  await engine.start();
  if (!engine.url) throw new Error('the engine did not listen');
  const db = new Database(dbPath, { timeout: 5_000 });
  return {
    emulator,
    engine,
    source,
    persistence,
    dir: tmp.dir,
    dbPath,
    logPath,
    db,
    async close() {
      await engine.stop().catch(() => undefined);
      db.close();
      await emulator.close().catch(() => undefined);
      tmp.cleanup();
    },
  };
}

/** A full sync, awaited. */
export async function syncNow(engine: EngineInternals, mode: 'incremental' | 'full' = 'full'): Promise<void> {
  const outcome = await engine.services.sync.trigger(mode, 'manual');
  if (!outcome.accepted) throw new Error(`sync not started: ${outcome.reason}`);
  await engine.services.sync.idle();
}

/** The local Atom and Atom SaaS both change a skill's code: the next sync raises a critical conflict. */
export function clashOnCode(d: DesktopEngine, skillId: string): void {
  d.db.prepare("UPDATE community_skills SET payload = json_set(payload, '$.code', ?) WHERE skill_id = ?").run('print("local")', skillId);
  d.emulator.mutate({ update_ids: [skillId], set: { code: 'print("remote")' }, push: false });
}
