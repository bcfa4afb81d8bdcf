/**
 * The desktop app itself, driven by Playwright's Electron support: the built app (dist/) in the
 * real Electron runtime, with a fresh profile in a temp folder, its data there too, and no way
 * out: Chromium's proxy points at a closed port and the engine's remote is the emulator on
 * 127.0.0.1. It checks what a person sees first: the tray, the Connect screen, a test connection,
 * and the tray turning amber for a critical conflict.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { _electron, type ElectronApplication, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';
import { displayMissing, openDisplay, type Display } from './support/display.js';
import { electronBinary } from './support/electronRuntime.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUILT = ['dist/electron/main.js', 'dist/electron/preload.cjs', 'dist/renderer/index.html'];
const SKILLS = 40;

const binary = electronBinary(ROOT);
const unbuilt = BUILT.filter((f) => !existsSync(path.join(ROOT, f)));
const skipReason =
  binary === null
    ? 'the Electron runtime is not installed (node_modules/electron/dist is missing; run npm run electron:install where the internet is)'
    : unbuilt.length > 0
      ? `the app is not built (${unbuilt.join(', ')} missing; run npm run build)`
      : displayMissing();
if (skipReason) console.warn(`Electron app tests skipped: ${skipReason}`);

let tmp: ReturnType<typeof tempDir>;
let emulator: EmulatorHandle;
let display: Display | null = null;
let app: ElectronApplication | null = null;
let page: Page;
let output = '';
const dbPath = () => tmp.file('data/atom-sync.db');

/** Lines the app logged (the engine's logger also writes to stderr). */
const logged = (pattern: RegExp) => output.split('\n').find((line) => pattern.test(line)) ?? null;
const waitForLog = (pattern: RegExp, timeoutMs = 30_000) =>
  waitFor(() => logged(pattern), timeoutMs, 50).catch(() => {
    throw new Error(`the app never logged ${pattern}; its output ended with:\n${output.slice(-3000)}`);
  });

beforeAll(async () => {
  if (skipReason) return;
  tmp = tempDir('atom-electron-');
  emulator = await startEmulator({ skills: SKILLS, categories: 5, seed: 3 });
  display = await openDisplay();
  // Only what the app needs: no proxy variables, tokens or settings of the machine running the tests.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: tmp.file('home'),
    XDG_CONFIG_HOME: tmp.file('config'),
    XDG_DATA_HOME: tmp.file('share'),
    ATOM_ENV_FILE: tmp.file('none.env'),
    ATOM_DB_PATH: dbPath(),
    ATOM_LOG_PATH: tmp.file('logs/atom-sync.log'),
    ATOM_LOG_LEVEL: 'info',
    // An OS-chosen port: this run never meets (or attaches to) a daemon on 8000.
    ATOM_SYNC_PORT: '0',
    ATOM_SAAS_API_URL: emulator.apiUrl,
    ATOM_SAAS_WS_URL: emulator.wsUrl,
    ...(display?.name ? { DISPLAY: display.name } : {}),
  };
  app = await _electron.launch({
    executablePath: binary!,
    args: [
      ROOT,
      `--user-data-dir=${tmp.file('userData')}`,
      // Chromium's own traffic goes to a closed port; loopback bypasses a proxy by default.
      '--proxy-server=127.0.0.1:9',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-gpu',
      '--password-store=basic',
    ],
    env,
    cwd: ROOT,
    timeout: 60_000,
  });
  const proc = app.process();
  proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  page = await app.firstWindow({ timeout: 60_000 });
  page.setDefaultTimeout(20_000);
}, 120_000);

afterAll(async () => {
  if (app) {
    const proc = app.process();
    await Promise.race([app.close(), new Promise((resolve) => setTimeout(resolve, 15_000))]).catch(() => undefined);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }
  await emulator?.close().catch(() => undefined);
  await display?.stop();
  tmp?.cleanup();
}, 60_000);

describe.skipIf(skipReason !== null)('the desktop app (Electron)', () => {
  it('creates its tray', async () => {
    expect(await waitForLog(/\[desktop\] tray created/)).toBeTruthy();
    expect(logged(/desktop shell started .*engine=in-process/)).toBeTruthy();
    // Chromium resolved the system proxy for the loopback emulator: direct
    expect(logged(/system proxy .*decision=/)).toMatch(/direct/);
  });

  it('opens its window on the Connect screen (no token configured yet)', async () => {
    await page.waitForURL(/#\/connect$/);
    await expect(page.getByRole('heading', { name: 'Connect to Atom SaaS' }).isVisible()).resolves.toBe(true);
    expect(page.url()).toMatch(/^app:\/\/atom-sync\//);
  });

  it('tests the connection against the emulator and says what it found', async () => {
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByTestId('test-result');
    await result.waitFor({ state: 'visible' });
    expect(await result.getAttribute('data-outcome')).toBe('ok');
    expect(await result.innerText()).toContain(`the catalogue has ${SKILLS} skills`);
  });

  it('turns the tray amber, naming it, when a sync meets a critical conflict', async () => {
    // the first sync ran at start; the tray is green once it is done
    await waitForLog(/\[desktop\] tray state state=healthy/, 60_000);
    const db = new Database(dbPath(), { timeout: 5_000 });
    try {
      expect((db.prepare('SELECT count(*) AS n FROM community_skills').get() as { n: number }).n).toBe(SKILLS);
      db.prepare("UPDATE community_skills SET payload = json_set(payload, '$.code', ?) WHERE skill_id = ?").run('print("local")', 'skill-000001');
    } finally {
      db.close();
    }
    emulator.mutate({ update_ids: ['skill-000001'], set: { code: 'print("remote")' }, push: false });
    // Sync now, through the window's bridge as the dashboard's button does.
    const answer = await page.evaluate<{ status: number }>(
      "window.atomSync.request({ method: 'POST', path: '/api/admin/sync/trigger' })",
    );
    expect(answer.status).toBe(202);
    const line = await waitForLog(/\[desktop\] tray state state=degraded .*critical/, 30_000);
    expect(line).toContain('1 open conflict, 1 critical');
  });
});
