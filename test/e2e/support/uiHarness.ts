/**
 * Real parts for the UI tests: the renderer built by Vite into a temp folder, the headless
 * engine in demo mode (its built-in emulator as the remote) serving that build on 127.0.0.1,
 * and headless Chromium. Nothing leaves the machine.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright';
import { bridgeResponse, validateBridgeRequest } from '../../../electron/model/bridgeRequest.js';
import { startEmulator, type EmulatorHandle } from '../../../emulator/index.js';
import { loadConfig } from '../../../engine/config/index.js';
import type { SettingsSource } from '../../../engine/config/savedSettings.js';
import { jsonSettingsFile } from '../../../engine/config/settingsFile.js';
import { LIVE_FORWARDED, type EngineSnapshot } from '../../../engine/contracts/localHttpApi.js';
import { createEngine, type EngineInternals } from '../../../engine/index.js';
import { tempDir } from '../../support/tempDir.js';
import { waitFor } from '../../support/waitFor.js';
import { freePort } from '../../support/freePort.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'test/artifacts/screenshots');
export const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing) console.warn(`UI end-to-end tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Builds the renderer with the project's vite.config.ts into `outDir` (a temp folder, so parallel runs never share one). */
export async function buildRenderer(outDir: string): Promise<string> {
  const { build } = await import('vite');
  // Vitest sets NODE_ENV=test, which would bundle React's development build; test what ships.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await buildWith(build, outDir);
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  if (!existsSync(path.join(outDir, 'index.html'))) throw new Error(`vite build wrote no index.html to ${outDir}`);
  return outDir;
}

async function buildWith(build: typeof import('vite').build, outDir: string): Promise<void> {
  await build({
    configFile: path.join(ROOT, 'vite.config.ts'),
    root: path.join(ROOT, 'renderer'),
    logLevel: 'warn',
    mode: 'production',
    build: { outDir, emptyOutDir: true },
  });
}

export interface PageOptions {
  width?: number;
  height?: number;
  colorScheme?: 'light' | 'dark';
  /** Console errors this page is expected to log (e.g. requests a test aborts on purpose). */
  expectedConsole?: RegExp;
  /**
   * False: a first run, as if the person never chose demo mode (the Connect screen opens by
   * itself). Default true, a returning demo-mode user, so a page lands on the dashboard.
   */
  demoChosen?: boolean;
  /**
   * Run the page as the desktop window does: requests over `window.atomSync` (checked by the
   * Electron main side's own validator, then engine.dispatch), not fetch. Events still come over SSE.
   */
  bridge?: boolean;
}

/** The key the renderer keeps the demo-mode choice under (renderer/src/lib/demoChoice.ts). */
export const DEMO_CHOICE_KEY = 'atom-sync.demo-mode-chosen';

export interface StartOptions {
  skills?: number;
  env?: Record<string, string>;
  /** Settings can be changed at run time, saved in a JSON file in the temp folder (PUT /config answers 409 without). */
  settings?: boolean;
  /** A second emulator as the "real" Atom SaaS, which wants this token; the engine still starts in demo mode. */
  remote?: { token: string; skills?: number };
  /** Default true: the first sync starts with the engine. */
  syncOnStart?: boolean;
  /** Listen on a free port named in the settings (ATOM_SYNC_PORT), instead of port 0. */
  namedPort?: boolean;
}


export interface UiHarness {
  engine: EngineInternals;
  /** The engine's built-in emulator (demo mode); throws once the engine has left demo mode. */
  readonly emulator: EmulatorHandle;
  /** The separate "real" remote, when started with `remote`. */
  remote: EmulatorHandle | null;
  browser: Browser;
  url: string;
  dbPath: string;
  /** The saved-settings file, when started with `settings`. */
  settingsPath: string | null;
  /** The environment the engine was started with. */
  env: Record<string, string>;
  /** Console errors, page errors and foreign requests seen by every page opened here. */
  problems: string[];
  /** A page whose console, errors and requests are watched. */
  newPage(options?: PageOptions): Promise<Page>;
  /** Direct SQLite access, as the local Atom app has. */
  db(): Database.Database;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** What the desktop preload puts on `window`: requests go to the exposed binding, events come over SSE. */
const BRIDGE_SCRIPT = `(() => {
  const names = ${JSON.stringify(['status', ...Object.values(LIVE_FORWARDED)])};
  window.atomSync = {
    request: (req) => window.__atomSyncRequest(req),
    onEvent(cb) {
      const source = new EventSource('/api/admin/sync/events');
      for (const name of names) source.addEventListener(name, (event) => cb(name, event.data));
      return () => source.close();
    },
  };
})();`;

export async function startUi(opts: StartOptions = {}): Promise<UiHarness> {
  const tmp = tempDir('atom-sync-e2e-');
  const staticDir = await buildRenderer(tmp.file('renderer'));
  const dbPath = tmp.file('atom_dev.db');
  const remote = opts.remote ? await startEmulator({ skills: opts.remote.skills ?? 120, token: opts.remote.token }) : null;
  const env: Record<string, string> = {
    ATOM_DB_PATH: dbPath,
    ATOM_LOG_PATH: tmp.file('logs/atom.log'),
    ATOM_SYNC_PORT: opts.namedPort ? String(await freePort()) : '0',
    ATOM_LOG_LEVEL: 'warn',
    ATOM_DEMO_SKILLS: String(opts.skills ?? 300),
    ATOM_ENV_FILE: tmp.file('no.env'),
    ...opts.env,
  };
  const settingsPath = opts.settings ? tmp.file('atom-sync-settings.json') : null;
  const source: SettingsSource | null = settingsPath ? { env, cwd: tmp.dir, persistence: jsonSettingsFile(settingsPath) } : null;
  const config = loadConfig(env, tmp.dir);
  const engine = await createEngine(config, { staticDir, syncOnStart: opts.syncOnStart ?? true, demoRemote: startEmulator, ...(source ? { settings: source } : {}) });
  await engine.start();
  if (!engine.url) throw new Error('the engine did not start listening');
  if (!engine.emulator && !remote) throw new Error('the engine is not in demo mode (no emulator) and no remote was started');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  let db: Database.Database | null = null;

  return {
    engine,
    get emulator() {
      if (!engine.emulator) throw new Error('the engine has left demo mode: its built-in emulator is gone');
      return engine.emulator as unknown as EmulatorHandle;
    },
    remote,
    browser,
    url: engine.url,
    dbPath,
    settingsPath,
    env,
    problems,
    async newPage({ width = 1280, height = 800, colorScheme = 'light', expectedConsole, demoChosen = true, bridge = false }: PageOptions = {}) {
      const context = await browser.newContext({ viewport: { width, height }, colorScheme });
      contexts.push(context);
      if (demoChosen) await context.addInitScript(`try { localStorage.setItem(${JSON.stringify(DEMO_CHOICE_KEY)}, 'yes'); } catch {}`);
      if (bridge) {
        // As electron/ipcBridge.ts: the main side's validator, then the engine's routes in process.
        await context.exposeBinding('__atomSyncRequest', async (_source, input: unknown) => {
          const checked = validateBridgeRequest(input);
          if (!checked.ok) return { status: checked.status, body: { error: checked.error, detail: checked.detail } };
          return bridgeResponse(await engine.dispatch({ ...checked.request, headers: {} }));
        });
        await context.addInitScript(BRIDGE_SCRIPT);
      }
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on('console', (message) => {
        if (message.type() === 'error' && !expectedConsole?.test(message.text())) problems.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.protocol !== 'data:' && !LOOPBACK.has(url.hostname)) problems.push(`foreign request: ${request.url()}`);
      });
      return page;
    },
    db() {
      db ??= new Database(dbPath);
      db.pragma('busy_timeout = 5000');
      return db;
    },
    async close() {
      // Pages first, so no live stream reports the engine going away as a console error.
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      db?.close();
      await engine.stop().catch(() => undefined);
      await remote?.close().catch(() => undefined);
      tmp.cleanup();
    },
  };
}

/** Waits for the engine's own snapshot to satisfy `check` (bounded). */
export function waitForSnapshot(engine: EngineInternals, check: (s: EngineSnapshot) => boolean, timeoutMs = 15_000): Promise<EngineSnapshot> {
  return waitFor<EngineSnapshot | null>(() => {
    const snapshot = engine.snapshot();
    return check(snapshot) ? snapshot : null;
  }, timeoutMs, 50) as Promise<EngineSnapshot>;
}

/** Screenshot into test/artifacts/screenshots (gitignored): the full page, or what the window shows (sticky bars where they sit). */
export async function screenshot(page: Page, name: string, { fullPage = true }: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/** Every size and theme the UI must look right in: the tray popover and a full window, light and dark. */
export const VARIANTS = [
  { width: 1280, height: 800, colorScheme: 'light' },
  { width: 1280, height: 800, colorScheme: 'dark' },
  { width: 400, height: 700, colorScheme: 'light' },
  { width: 400, height: 700, colorScheme: 'dark' },
] as const;

/** Horizontal overflow of the page, in pixels (0 when nothing scrolls sideways). */
export function horizontalOverflow(page: Page): Promise<number> {
  // A string, as the test code itself is compiled without DOM types.
  return page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

/**
 * Form controls and buttons without an accessible name (no label, no aria-label, no text).
 * A string, as the test code itself is compiled without DOM types.
 */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`[...document.querySelectorAll('button, input, select, textarea, a[href]')]
    .filter((el) => {
      const named = (el.getAttribute('aria-label') || '').trim() || (el.getAttribute('aria-labelledby') || '').trim();
      const labelled = el.labels && el.labels.length > 0 && [...el.labels].some((l) => l.textContent.trim());
      const text = el.tagName === 'INPUT' || el.tagName === 'SELECT' || el.tagName === 'TEXTAREA' ? '' : el.textContent.trim();
      return !named && !labelled && !text;
    })
    .map((el) => el.outerHTML.slice(0, 120))`);
}
