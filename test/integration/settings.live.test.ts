import { statSync, readFileSync } from 'node:fs';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { loadConfig } from '../../engine/config/index.js';
import { loadSettings, type SettingsSource } from '../../engine/config/savedSettings.js';
import { jsonSettingsFile } from '../../engine/config/settingsFile.js';
import type { SettingsResponse } from '../../engine/contracts/localHttpApi.js';
import { createEngine, type EngineInternals } from '../../engine/index.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';
import { useCleanups } from '../support/cleanups.js';

const TOKEN = 'tok-live-settings-4f2a';
const cleanups = useCleanups(10_000);

interface Setup {
  engine: EngineInternals;
  remote: EmulatorHandle;
  source: SettingsSource;
  settingsFile: string;
  logPath: string;
  restart(): Promise<EngineInternals>;
}

/** A demo-mode engine that can save settings, and a second emulator as the "real" Atom SaaS (with a token). */
async function setup(env: Record<string, string> = {}): Promise<Setup> {
  const tmp = tempDir('atom-sync-settings-');
  cleanups.push(() => tmp.cleanup());
  const remote = await startEmulator({ skills: 120, categories: 6, seed: 7, token: TOKEN });
  cleanups.push(() => remote.close());
  const settingsFile = tmp.file('atom-sync-settings.json');
  const logPath = tmp.file('logs/atom.log');
  const source: SettingsSource = {
    env: { ATOM_DB_PATH: tmp.file('atom_dev.db'), ATOM_LOG_PATH: logPath, ATOM_SYNC_PORT: '0', ATOM_LOG_LEVEL: 'info', ATOM_DEMO_SKILLS: '40', ...env },
    cwd: tmp.dir,
    persistence: jsonSettingsFile(settingsFile),
  };
  const start = async () => {
    const engine = await createEngine(loadSettings(source), { settings: source, staticDir: null, demoRemote: startEmulator });
    cleanups.push(() => engine.stop());
    await engine.start();
    return engine;
  };
  const engine = await start();
  return {
    engine,
    remote,
    source,
    settingsFile,
    logPath,
    async restart() {
      await engine.stop();
      return start();
    },
  };
}

async function call(engine: EngineInternals, method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown) {
  const res = await request(`${engine.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, text, body: JSON.parse(text) as Record<string, unknown> };
}

describe('settings changed at run time', () => {
  it('connects a demo-mode engine to a real remote live: saved, applied, the catalogue swapped, the token never shown', async () => {
    const s = await setup();
    const { engine } = s;
    await engine.services.sync.idle();
    await waitFor(() => engine.snapshot().sync.skills_cached === 40, 10_000);
    expect(engine.demoMode).toBe(true);
    const demoEmulator = engine.emulator!;

    const changes: unknown[] = [];
    engine.events.on('config.changed', (e) => changes.push(e));
    const put = await call(engine, 'PUT', '/api/admin/sync/config', { api_url: s.remote.apiUrl, api_token: TOKEN });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ api_url: s.remote.apiUrl, demo_mode: false, token_configured: true });
    expect(put.text).not.toContain(TOKEN);
    expect(changes).toEqual([expect.objectContaining({ remote_restarted: true, fields: expect.arrayContaining(['api_url', 'api_token']) })]);
    // The socket lives on the API's host when no WebSocket URL is given.
    expect(engine.remote.wsUrl).toBe(s.remote.wsUrl);

    // The first run on the new remote lists everything and sweeps the demo catalogue.
    await waitFor(() => engine.snapshot().sync.last_sync !== null && engine.snapshot().sync.status === 'idle' && engine.snapshot().sync.skills_cached === 120, 15_000);
    expect(engine.demoMode).toBe(false);
    expect(engine.emulator).toBeNull();
    await expect(request(demoEmulator.apiUrl)).rejects.toThrow();
    await waitFor(() => engine.snapshot().websocket.connected, 10_000);

    const settings = (await call(engine, 'GET', '/api/admin/sync/settings')).body as unknown as SettingsResponse;
    const token = settings.fields.find((f) => f.name === 'api_token')!;
    expect(token).toMatchObject({ value: null, configured: true, source: 'saved', editable: true });
    expect(JSON.stringify(settings)).not.toContain(TOKEN);
    expect(statSync(s.settingsFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(s.settingsFile, 'utf8'))).toEqual({ ATOM_SAAS_API_URL: s.remote.apiUrl, ATOM_SAAS_API_TOKEN: TOKEN });
    expect(readFileSync(s.logPath, 'utf8')).not.toContain(TOKEN);

    // A restart reads the saved settings back.
    const again = await s.restart();
    expect(again.demoMode).toBe(false);
    expect(again.config.apiToken).toBe(TOKEN);
  });

  it('refuses a bad value with the parser’s sentence naming the field, and a field the environment sets', async () => {
    const s = await setup({ ATOM_SAAS_RATING_BATCH_SIZE: '50' });
    const bad = await call(s.engine, 'PUT', '/api/admin/sync/config', { sync_interval_minutes: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: 'invalid_setting',
      field: 'sync_interval_minutes',
      detail: 'sync_interval_minutes=0 is not valid: expected a whole number from 1 to 10080',
    });
    const url = await call(s.engine, 'PUT', '/api/admin/sync/config', { api_url: 'ftp://example.invalid' });
    expect(url.body).toMatchObject({ error: 'invalid_setting', field: 'api_url' });
    const fromEnv = await call(s.engine, 'PUT', '/api/admin/sync/config', { rating_batch_size: 10 });
    expect(fromEnv.status).toBe(400);
    expect(fromEnv.body).toMatchObject({ field: 'rating_batch_size', detail: expect.stringContaining('set by the environment (ATOM_SAAS_RATING_BATCH_SIZE)') });
    const notEditable = await call(s.engine, 'PUT', '/api/admin/sync/config', { port: 9000 });
    expect(notEditable.body).toMatchObject({ error: 'invalid_setting', field: 'port' });
    const settings = (await call(s.engine, 'GET', '/api/admin/sync/settings')).body as unknown as SettingsResponse;
    expect(settings.fields.find((f) => f.name === 'rating_batch_size')).toMatchObject({ value: 50, source: 'environment', editable: false });
    expect(settings.fields.find((f) => f.name === 'sync_interval_minutes')).toMatchObject({ value: 30, source: 'default', editable: true, min: 1, max: 10_080 });
    // Nothing was saved by the refused changes.
    expect(s.source.persistence.load()).toEqual({});
  });

  it('applies an interval change live and keeps a pause, a sync in flight and the local data through the rebuild', async () => {
    const s = await setup({ ATOM_SAAS_API_URL: 'http://127.0.0.1:1/unused' });
    // The environment's URL cannot be changed here; point it at the remote by restarting with it saved instead.
    expect((await call(s.engine, 'PUT', '/api/admin/sync/config', { api_url: s.remote.apiUrl })).status).toBe(400);
    await s.engine.stop();
    const source: SettingsSource = { ...s.source, env: { ...s.source.env, ATOM_SAAS_API_URL: s.remote.apiUrl, ATOM_SAAS_API_TOKEN: TOKEN } };
    const engine = await createEngine(loadSettings(source), { settings: source, staticDir: null });
    cleanups.push(() => engine.stop());
    await engine.start();
    await engine.services.sync.idle();
    await waitFor(() => engine.snapshot().sync.skills_cached === 120, 15_000);

    await engine.services.ratings.addLocalRating({ skill_id: [...s.remote.liveSkills()][0]!.skill_id, user_id: 'u-live', rating: 4 });
    s.remote.setFaults({ latency_ms: 150 });
    s.remote.mutate({ update: 30 });
    expect((await engine.services.sync.trigger('incremental', 'manual')).accepted).toBe(true);
    const pause = await call(engine, 'POST', '/api/admin/sync/pause', { minutes: 60 });
    expect(pause.status).toBe(202);
    expect(Date.parse(String(pause.body.paused_until)) - Date.now()).toBeGreaterThan(59 * 60_000);

    const put = await call(engine, 'PUT', '/api/admin/sync/config', { sync_interval_minutes: 5, rating_sync_interval_minutes: 1 });
    expect(put.status).toBe(200);
    expect(put.body.sync_interval_minutes).toBe(5);
    const snap = engine.snapshot();
    expect(snap.sync.paused).toBe(true);
    expect(snap.sync.paused_until).toBe(pause.body.paused_until);

    s.remote.setFaults({});
    await call(engine, 'POST', '/api/admin/sync/resume');
    const next = Date.parse(engine.snapshot().sync.next_sync!);
    expect(next - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    expect(next - Date.now()).toBeGreaterThan(4 * 60_000);

    // The run the rebuild stopped is finished by the next one: the catalogue equals the remote's, the rating is sent once.
    expect((await engine.services.sync.trigger('incremental', 'manual')).accepted).toBe(true);
    await engine.services.sync.idle();
    await engine.services.ratings.syncNow();
    expect(engine.snapshot().sync.skills_cached).toBe(s.remote.skillCount());
    const sent = s.remote.receivedRatings().items.filter((r) => r.user_id === 'u-live');
    expect(sent).toHaveLength(1);
  });

  it('answers 409 settings_fixed on an engine given fixed settings', async () => {
    const tmp = tempDir('atom-sync-fixed-');
    cleanups.push(() => tmp.cleanup());
    const engine = await createEngine(loadConfig({ ATOM_DB_PATH: tmp.file('a.db'), ATOM_LOG_PATH: tmp.file('a.log'), ATOM_SYNC_PORT: '0', ATOM_DEMO_SKILLS: '5' }, tmp.dir), {
      staticDir: null,
      syncOnStart: false,
      demoRemote: startEmulator,
    });
    cleanups.push(() => engine.stop());
    await engine.start();
    const put = await call(engine, 'PUT', '/api/admin/sync/config', { sync_interval_minutes: 5 });
    expect(put.status).toBe(409);
    expect(put.body.error).toBe('settings_fixed');
    const settings = (await call(engine, 'GET', '/api/admin/sync/settings')).body as unknown as SettingsResponse;
    expect(settings.can_save).toBe(false);
    expect(settings.fields.every((f) => !f.editable)).toBe(true);
  });
});
