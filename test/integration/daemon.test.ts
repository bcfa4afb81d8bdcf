import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../emulator/index.js';
import { spawnDaemon } from '../support/daemonProcess.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';

const tmp = tempDir('atom-sync-daemon-');
afterAll(() => tmp.cleanup());

async function getJson(url: string): Promise<{ status: number; body: unknown } | null> {
  try {
    const response = await fetch(url);
    return { status: response.status, body: await response.json() };
  } catch {
    return null;
  }
}

function listeningUrl(output: string): string | null {
  return /listening url=(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? null;
}

describe('the headless daemon', () => {
  it('comes up in demo mode with no configuration, answers probes, and stops cleanly on SIGTERM', async () => {
    const dbPath = tmp.file('demo/atom_dev.db');
    const daemon = spawnDaemon({ ATOM_SYNC_PORT: '0', ATOM_DB_PATH: dbPath, ATOM_LOG_PATH: tmp.file('demo/logs/atom.log'), ATOM_SAAS_API_URL: '' });
    try {
      const url = await waitFor(() => listeningUrl(daemon.output()), 20_000, 20);
      expect(await getJson(`${url}/health/live`)).toEqual({ status: 200, body: { status: 'ok' } });
      expect(daemon.output()).toMatch(/WARN \[engine\] demo mode/);
      await waitFor(async () => ((await getJson(`${url}/api/admin/sync/status`))?.body as { skills_cached?: number })?.skills_cached === 500, 20_000, 50);
      const status = (await getJson(`${url}/api/admin/sync/status`))!.body as { demo_mode: boolean };
      expect(status.demo_mode).toBe(true);
    } finally {
      const sent = Date.now();
      daemon.child.kill('SIGTERM');
      const exit = await daemon.exited;
      expect(exit.code).toBe(0);
      expect(Date.now() - sent).toBeLessThan(5_000);
    }
    // Closed cleanly: the last connection checkpointed and removed the WAL.
    expect(!existsSync(`${dbPath}-wal`) || statSync(`${dbPath}-wal`).size === 0).toBe(true);
    const db = new Database(dbPath, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare('SELECT COUNT(*) FROM community_skills').pluck().get()).toBe(500);
    db.close();
    expect(readFileSync(tmp.file('demo/logs/atom.log'), 'utf8')).toMatch(/INFO \[sync\] sync completed .*skills_cached=500/);
  });

  it.each([
    ['ATOM_SAAS_SYNC_BATCH_SIZE', 'abc'],
    ['ATOM_SAAS_WS_ENABLED', 'perhaps'],
    ['ATOM_SAAS_CONFLICT_STRATEGY', 'coin_flip'],
  ])('refuses %s=%s with one line naming it, exit 2', async (name, value) => {
    const daemon = spawnDaemon({ [name]: value, ATOM_DB_PATH: tmp.file('bad.db') });
    const exit = await daemon.exited;
    expect(exit.code).toBe(2);
    const lines = daemon.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^atom-sync: ${name}=${value} is not valid`));
  });

  it('reads settings saved beside its database, and names that file when one of them is bad', async () => {
    const dir = tmp.file('saved');
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/atom-sync-settings.json`, JSON.stringify({ ATOM_SAAS_SYNC_INTERVAL_MINUTES: '0' }));
    const bad = spawnDaemon({ ATOM_DB_PATH: `${dir}/atom_dev.db`, ATOM_SYNC_PORT: '0' });
    expect((await bad.exited).code).toBe(2);
    expect(bad.output().trim()).toBe(
      `atom-sync: ATOM_SAAS_SYNC_INTERVAL_MINUTES=0 is not valid: expected a whole number from 1 to 10080 (saved in ${dir}/atom-sync-settings.json)`,
    );

    writeFileSync(`${dir}/atom-sync-settings.json`, JSON.stringify({ ATOM_SAAS_SYNC_INTERVAL_MINUTES: '7' }));
    const good = spawnDaemon({ ATOM_DB_PATH: `${dir}/atom_dev.db`, ATOM_LOG_PATH: `${dir}/atom.log`, ATOM_SYNC_PORT: '0', ATOM_DEMO_SKILLS: '5' });
    try {
      const url = await waitFor(() => listeningUrl(good.output()), 20_000, 20);
      const config = (await getJson(`${url}/api/admin/sync/config`))!.body as { sync_interval_minutes: number };
      expect(config.sync_interval_minutes).toBe(7);
    } finally {
      good.child.kill('SIGTERM');
      await good.exited;
    }
  });

  it('never writes the API token to its log, even when the remote refuses it', async () => {
    const token = 'sk-live-0123456789abcdef';
    const emulator = await startEmulator({ skills: 20, token: 'another-token' });
    const logPath = tmp.file('token/logs/atom.log');
    const daemon = spawnDaemon({
      ATOM_SAAS_API_URL: emulator.apiUrl,
      ATOM_SAAS_WS_URL: emulator.wsUrl,
      ATOM_SAAS_API_TOKEN: token,
      ATOM_SYNC_PORT: '0',
      ATOM_DB_PATH: tmp.file('token/atom_dev.db'),
      ATOM_LOG_PATH: logPath,
      ATOM_LOG_LEVEL: 'debug',
    });
    try {
      await waitFor(() => /sync failed/.test(daemon.output()) && /websocket refused/.test(daemon.output()), 20_000, 20);
      const url = listeningUrl(daemon.output())!;
      const config = await getJson(`${url}/api/admin/sync/config`);
      expect(JSON.stringify(config)).not.toContain(token);
      expect((config!.body as { token_configured: boolean }).token_configured).toBe(true);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
      await emulator.close();
    }
    const log = readFileSync(logPath, 'utf8');
    expect(log).toMatch(/ERROR \[sync\] sync failed .*kind=auth/);
    expect(log).not.toContain(token);
    expect(daemon.output()).not.toContain(token);
  });
});
