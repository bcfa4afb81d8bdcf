import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import express from 'express';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../emulator/index.js';
import { errorHandler } from '../../engine/api/errors.js';
import { supportRoutes } from '../../engine/api/supportRoutes.js';
import { systemClock } from '../../engine/clock.js';
import { loadConfig, type Config } from '../../engine/config/index.js';
import { createEngine, type EngineInternals } from '../../engine/index.js';
import { SCHEMA_VERSION } from '../../engine/store/migrations.js';
import type { CatalogueSyncService } from '../../engine/sync/catalogueSync.js';
import { writeSupportBundle, type SupportBundleDeps } from '../../engine/support/supportBundle.js';
import { syncAndWait } from '../support/harness.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';

const TOKEN = 'tok-BUNDLE-5ecret-api-token-0001';
const ADMIN = 'adm-BUNDLE-5ecret-admin-token-0002';
const PROXY_PASSWORD = 'pr@xy-BUNDLE-pass-0003';
const PROXY_URL = `http://bundle-proxy-user:${encodeURIComponent(PROXY_PASSWORD)}@proxy.example.test:3128`;
/** Each planted secret in every form it could take in a file. */
const PLANTED = [TOKEN, ADMIN, PROXY_PASSWORD, encodeURIComponent(PROXY_PASSWORD), 'bundle-proxy-user'];
const APP_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const tmp = tempDir('atom-sync-bundle-');
let engine: EngineInternals;
let logPath: string;

/** What the composition root hands the bundle. */
function bundleDeps(overrides: Partial<SupportBundleDeps> = {}): SupportBundleDeps {
  return {
    config: () => engine.config,
    snapshot: () => engine.snapshot(),
    runs: (limit) => engine.services.sync.runs(limit),
    recentErrors: () => engine.services.sync.recentErrors(),
    invalidItems: (limit) => engine.services.sync.invalidItems(limit),
    schemaVersion: async () => ({ database: await engine.store.read.meta.schemaVersion(), build: SCHEMA_VERSION }),
    clock: systemClock,
    appVersion: APP_VERSION,
    secrets: () => [engine.config.apiToken, engine.config.adminToken].filter((s): s is string => s !== null),
    ...overrides,
  };
}

/** Unpacks with the system's tar, as the person receiving the bundle would. */
function extract(archive: string): { dir: string; files: string[]; read: (name: string) => string } {
  const dir = path.join(tmp.dir, `x-${path.basename(archive)}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  execFileSync('tar', ['-xzf', archive, '-C', dir], { timeout: 20_000 });
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(path.join(dir, f)).isFile()).sort();
  return { dir, files, read: (name) => readFileSync(path.join(dir, name), 'utf8') };
}

function expectNoSecrets(archive: string, unpacked: { files: string[]; read: (name: string) => string }): void {
  for (const file of unpacked.files) {
    const text = unpacked.read(file);
    for (const secret of PLANTED) expect(text.includes(secret), `${secret} in ${file}`).toBe(false);
  }
  // The archive itself, headers included.
  const tarBytes = gunzipSync(readFileSync(archive));
  for (const secret of PLANTED) expect(tarBytes.includes(Buffer.from(secret)), `${secret} in the tar stream`).toBe(false);
}

beforeAll(async () => {
  logPath = tmp.file('logs/atom.log');
  const config = loadConfig(
    {
      ATOM_DB_PATH: tmp.file('atom_dev.db'),
      ATOM_LOG_PATH: logPath,
      ATOM_SYNC_PORT: '0',
      ATOM_DEMO_SKILLS: '30',
      ATOM_LOG_LEVEL: 'info',
      ATOM_SAAS_API_TOKEN: TOKEN,
      ATOM_SYNC_ADMIN_TOKEN: ADMIN,
      HTTPS_PROXY: PROXY_URL,
      NO_PROXY: '127.0.0.1,localhost',
    },
    tmp.dir,
  );
  expect(config.apiUrl).toBeNull();
  engine = await createEngine(config, { listen: false, syncOnStart: false, staticDir: null, demoRemote: startEmulator });
  await engine.start();
  const run = await syncAndWait(engine);
  expect(run.result).toBe('success');

  // Secrets where the logger's own masking does not reach: the proxy password is not one of its secrets,
  // a line appended to the raw file bypasses it, and so does a rotated file.
  engine.log.warn('proxy in use', { proxy: PROXY_URL, password: PROXY_PASSWORD });
  await waitFor(() => existsSync(logPath) && readFileSync(logPath, 'utf8').includes('proxy in use'), 5_000, 20);
  appendFileSync(logPath, `2026-01-01T00:00:00.000Z ERROR [test] planted token=${TOKEN} admin=${ADMIN} url=${PROXY_URL}\n`);
  writeFileSync(tmp.file('logs/atom.old.log'), `2025-12-31T00:00:00.000Z INFO [test] rotated line with ${TOKEN}\n`);
  (engine.services.sync as CatalogueSyncService).recordError('skills', 'auth', `remote refused "Bearer ${TOKEN}"`);
});

afterAll(async () => {
  await engine?.stop();
  tmp.cleanup();
});

describe('support bundle from a running engine', () => {
  it('holds the status, redacted config, schema, runs, errors and logs, and none of the planted secrets', async () => {
    const written = await writeSupportBundle(bundleDeps(), tmp.file('out'));
    expect(path.basename(written.path)).toMatch(/^atom-sync-support-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.tar\.gz$/);
    expect(statSync(written.path).size).toBe(written.bytes);
    expect(statSync(written.path).mode & 0o777).toBe(0o600);

    const bundle = extract(written.path);
    expect(bundle.files).toEqual(['README.txt', 'config.json', 'errors.json', 'logs/atom.log', 'logs/atom.old.log', 'runs.json', 'schema.json', 'status.json']);
    expectNoSecrets(written.path, bundle);

    expect(bundle.read('README.txt')).toContain(`Atom Sync: ${APP_VERSION}`);
    const status = JSON.parse(bundle.read('status.json'));
    expect(status).toMatchObject({ demo_mode: true, sync: { status: 'idle', skills_cached: 30 } });
    const config = JSON.parse(bundle.read('config.json'));
    expect(config).toMatchObject({
      sync_interval_minutes: 30,
      api_token: '[set]',
      admin_token: '[set]',
      log_path: logPath,
      proxy: { https_proxy: 'http://***@proxy.example.test:3128', no_proxy: '127.0.0.1,localhost' },
    });
    expect(JSON.parse(bundle.read('schema.json'))).toEqual({ database: SCHEMA_VERSION, build: SCHEMA_VERSION, up_to_date: true });
    const runs = JSON.parse(bundle.read('runs.json'));
    expect(runs.items.length).toBeGreaterThanOrEqual(1);
    expect(runs.items[0]).toMatchObject({ stream: 'skills', result: 'success' });
    const errors = JSON.parse(bundle.read('errors.json'));
    expect(errors).toMatchObject({ invalid_items: [], invalid_total: 0 });
    expect(errors.items).toContainEqual(expect.objectContaining({ kind: 'auth', message: 'remote refused "Bearer [redacted]"' }));

    const log = bundle.read('logs/atom.log');
    expect(log).toMatch(/WARN \[engine\] demo mode/);
    expect(log).toContain('planted token=[redacted] admin=[redacted]');
    expect(log).toContain('proxy in use');
    expect(bundle.read('logs/atom.old.log')).toContain('rotated line with [redacted]');
  });

  it('keeps the logs under the cap, newest first, and drops a line cut by the cap (a half secret would survive)', async () => {
    const dir = tmp.file('bigLogs');
    mkdirSync(dir);
    const filler = Array.from({ length: 3000 }, (_, i) => `2026-01-01T00:00:00.000Z INFO [fill] line ${i} ${'x'.repeat(40)}\n`).join('');
    const after = Array.from({ length: 40 }, (_, i) => `2026-01-02T00:00:00.000Z INFO [after] tail line ${i}\n`).join('');
    writeFileSync(path.join(dir, 'atom.log'), `${filler}cut here ${TOKEN} end\n${after}`);
    writeFileSync(path.join(dir, 'atom.old.log'), filler);
    // The cap starts the tail six characters before the end of the token.
    const cap = Buffer.byteLength(` end\n${after}`) + 6;
    const deps = bundleDeps({ config: (): Config => ({ ...engine.config, logPath: path.join(dir, 'atom.log') }), limits: { logBytes: cap } });
    const written = await writeSupportBundle(deps, tmp.file('outCapped'));
    const bundle = extract(written.path);
    expect(bundle.files).toContain('logs/atom.log');
    expect(bundle.files).not.toContain('logs/atom.old.log');
    const log = bundle.read('logs/atom.log');
    expect(log).toBe(after);
    expect(log).not.toContain(TOKEN.slice(-6));
    expect(bundle.read('README.txt')).toMatch(/logs\/atom\.log holds the end of the file/);
    expect(bundle.read('README.txt')).toMatch(/logs\/atom\.old\.log left out/);
    expectNoSecrets(written.path, bundle);
  });

  it('still writes a bundle when a part fails, saying which', async () => {
    const deps = bundleDeps({
      runs: () => Promise.reject(new Error(`database locked while holding ${TOKEN}`)),
      schemaVersion: () => new Promise(() => undefined),
      limits: { partTimeoutMs: 300 },
    });
    const written = await writeSupportBundle(deps, tmp.file('outFailing'));
    const bundle = extract(written.path);
    expect(JSON.parse(bundle.read('runs.json'))).toEqual({ error: 'database locked while holding [redacted]' });
    expect(JSON.parse(bundle.read('schema.json'))).toEqual({ error: 'timed out after 300 ms' });
    expect(bundle.read('README.txt')).toMatch(/runs\.json could not be read/);
    expect(JSON.parse(bundle.read('status.json'))).toMatchObject({ demo_mode: true });
    expectNoSecrets(written.path, bundle);
  });
});

describe('support bundle routes over HTTP', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = express();
    const log = engine.log.child('api');
    app.use('/api/admin/sync', supportRoutes({ bundle: bundleDeps() }, log));
    // A log folder where `support/` is a file: writing there fails.
    const blocked = tmp.file('blocked');
    mkdirSync(blocked);
    writeFileSync(path.join(blocked, 'support'), 'not a folder');
    const blockedConfig = (): Config => ({ ...engine.config, logPath: path.join(blocked, 'atom.log') });
    app.use('/blocked', supportRoutes({ bundle: bundleDeps({ config: blockedConfig }) }, log));
    app.use(errorHandler(log));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('GET streams a gzip attachment that is not cached and holds no secret', async () => {
    const res = await request(`${base}/api/admin/sync/support-bundle`);
    const body = Buffer.from(await res.body.arrayBuffer());
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/gzip');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(String(res.headers['content-disposition'])).toMatch(/^attachment; filename="atom-sync-support-[\dTZ-]+\.tar\.gz"$/);
    expect([body[0], body[1]]).toEqual([0x1f, 0x8b]);
    const archive = tmp.file('downloaded.tar.gz');
    writeFileSync(archive, body);
    const bundle = extract(archive);
    expect(bundle.files).toEqual(expect.arrayContaining(['README.txt', 'status.json', 'config.json', 'schema.json', 'runs.json', 'errors.json', 'logs/atom.log']));
    expect(JSON.parse(bundle.read('status.json'))).toHaveProperty('sync');
    expectNoSecrets(archive, bundle);
  });

  it('POST writes the bundle beside the log, readable by its owner only, and answers where', async () => {
    const res = await request(`${base}/api/admin/sync/support-bundle`, { method: 'POST' });
    expect(res.statusCode).toBe(201);
    const written = (await res.body.json()) as { path: string; bytes: number };
    expect(path.dirname(written.path)).toBe(path.join(path.dirname(logPath), 'support'));
    const info = statSync(written.path);
    expect(info.mode & 0o777).toBe(0o600);
    expect(info.size).toBe(written.bytes);
    expect(readdirSync(path.dirname(written.path)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const bundle = extract(written.path);
    expect(bundle.files).toContain('config.json');
    expectNoSecrets(written.path, bundle);
  });

  it('POST answers {error, detail} when the bundle cannot be written, and other methods 405', async () => {
    const res = await request(`${base}/blocked/support-bundle`, { method: 'POST' });
    expect(res.statusCode).toBe(500);
    const body = (await res.body.json()) as { error: string; detail: string };
    expect(body.error).toBe('support_bundle_failed');
    expect(body.detail).toMatch(/could not be written/);
    const put = await request(`${base}/api/admin/sync/support-bundle`, { method: 'PUT' });
    expect(put.statusCode).toBe(405);
    expect(put.headers.allow).toBe('GET, POST, HEAD');
    await put.body.dump();
  });
});
