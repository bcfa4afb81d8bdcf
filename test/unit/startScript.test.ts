/** `npm start`: the desktop app when the Electron runtime exists, headless otherwise. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(repo, 'scripts', 'start.mjs');
let findElectron: (resolve?: () => unknown) => string | null;
let dir: string;

beforeAll(async () => {
  ({ findElectron } = (await import(pathToFileURL(script).href)) as { findElectron: typeof findElectron });
  dir = mkdtempSync(path.join(os.tmpdir(), 'atom-start-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('start script', () => {
  it('uses the Electron binary when require("electron") names an existing file', () => {
    const binary = path.join(dir, 'electron');
    writeFileSync(binary, '');
    expect(findElectron(() => binary)).toBe(binary);
  });

  it('runs headless when the binary is missing or the package says it failed to install', () => {
    expect(findElectron(() => path.join(dir, 'not-there'))).toBeNull();
    expect(findElectron(() => {
      throw new Error('Electron failed to install correctly');
    })).toBeNull();
    expect(findElectron(() => undefined)).toBeNull();
  });

  it('agrees with what is installed here', () => {
    // The runtime is installed when the package's dist/ holds a binary; `require('electron')` would download one instead.
    const dist = path.join(repo, 'node_modules', 'electron', 'dist');
    const found = findElectron();
    expect(found !== null).toBe(existsSync(dist) && readdirSync(dist).length > 0);
    if (found !== null) expect(found.startsWith(dist)).toBe(true);
  });

  it('without the runtime, prints one line and runs the headless daemon in process', (ctx) => {
    if (findElectron() !== null) ctx.skip('the Electron runtime is installed here: npm start would open the desktop app');
    if (!existsSync(path.join(repo, 'dist', 'engine', 'daemon.js'))) ctx.skip('dist/engine/daemon.js is not built: run npm run build first');
    // A configuration the daemon refuses at once (public bind without an admin token), so the
    // test sees the daemon really ran, without it starting to sync.
    const env: NodeJS.ProcessEnv = { ...process.env, ATOM_ENV_FILE: path.join(dir, 'none.env'), ATOM_SYNC_HOST: '0.0.0.0', ATOM_SYNC_PORT: '18123' };
    delete env.ATOM_SYNC_ADMIN_TOKEN;
    const run = spawnSync(process.execPath, [script], { cwd: dir, env, encoding: 'utf8', timeout: 20_000 });
    expect(run.stdout).toBe(
      'Electron runtime not installed (run "npm run electron:install" for the desktop app); running headless: http://localhost:18123/\n',
    );
    expect(run.stderr).toContain('ATOM_SYNC_HOST=0.0.0.0 is not loopback');
    expect(run.status).toBe(2);
  });
});
