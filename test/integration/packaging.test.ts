/**
 * The desktop package, built offline: `electron-builder --linux dir` with a stub Electron
 * distribution (a file carrying a fuse wire, and a version file) packs the real project into
 * linux-unpacked/resources/app.asar. What ships is then checked file by file, and the fuses as
 * electron-builder flipped them. AppImage, deb, dmg and nsis need downloads; they are built where
 * the internet is.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import asar from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REQUIRED_BUILD = ['dist/electron/main.js', 'dist/electron/preload.cjs', 'dist/engine/index.js', 'dist/engine/daemon.js', 'dist/renderer/index.html'];
const missingBuild = REQUIRED_BUILD.filter((f) => !existsSync(path.join(repo, f)));
const NETWORK_ERROR = /ENOTFOUND|EAI_AGAIN|getaddrinfo|ECONNRESET|ETIMEDOUT|socket hang up|unable to download|dial tcp/i;

/** @electron/fuses looks for this marker, followed by the wire version, its length and one byte per fuse. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ENABLE = 0x31;
const DISABLE = 0x30;
/** Electron's shipped defaults, in wire order (run-as-node on, cookie encryption off, …). */
const DEFAULT_WIRE = [ENABLE, DISABLE, ENABLE, ENABLE, DISABLE, DISABLE, DISABLE, ENABLE];

let tmp: string;
let unpacked: string;
let archive: string;
let entries: string[] = [];
let build: { status: number | null; output: string } = { status: null, output: '' };

function stubElectronDist(dir: string, version: string): void {
  mkdirSync(dir, { recursive: true });
  const wire = Buffer.from([...Buffer.from(FUSE_SENTINEL, 'ascii'), 1, DEFAULT_WIRE.length, ...DEFAULT_WIRE]);
  writeFileSync(path.join(dir, 'electron'), Buffer.concat([Buffer.from('#!/bin/false\nstub Electron binary for offline packaging tests\n'), wire]), {
    mode: 0o755,
  });
  writeFileSync(path.join(dir, 'version'), version);
}

/** Every file under a folder, as paths relative to `base` with forward slashes. */
function walk(dir: string, base: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walk(full, base) : [path.relative(base, full).split(path.sep).join('/')];
  });
}

const inAsar = (p: string) => entries.includes(`/${p}`);
const readJson = (p: string) => JSON.parse(asar.extractFile(archive, p).toString('utf8')) as Record<string, unknown>;

beforeAll(() => {
  if (missingBuild.length > 0) return;
  tmp = mkdtempSync(path.join(os.tmpdir(), 'atom-packaging-'));
  const electronVersion = (JSON.parse(readFileSync(path.join(repo, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
  stubElectronDist(path.join(tmp, 'electron-dist'), electronVersion);
  const out = path.join(tmp, 'out');
  const run = spawnSync(
    process.execPath,
    [
      path.join(repo, 'node_modules/electron-builder/cli.js'),
      '--linux',
      'dir',
      '--projectDir',
      repo,
      '--publish',
      'never',
      '-c.npmRebuild=false',
      `-c.electronDist=${path.join(tmp, 'electron-dist')}`,
      `-c.directories.output=${out}`,
    ],
    { cwd: repo, encoding: 'utf8', timeout: 150_000, env: { ...process.env, CI: 'true' } },
  );
  build = { status: run.status, output: `${run.stdout ?? ''}\n${run.stderr ?? ''}${run.error ? `\n${run.error.message}` : ''}` };
  unpacked = path.join(out, 'linux-unpacked');
  archive = path.join(unpacked, 'resources', 'app.asar');
  if (build.status === 0 && existsSync(archive)) entries = asar.listPackage(archive, { isPack: false });
}, 180_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(missingBuild.length > 0)('desktop package (offline linux dir build)', () => {
  it('builds linux-unpacked/resources/app.asar without a network', (ctx) => {
    if (build.status !== 0 && NETWORK_ERROR.test(build.output)) ctx.skip(`electron-builder needed the network here: ${build.output.slice(-300)}`);
    expect(build.status, build.output).toBe(0);
    expect(existsSync(archive)).toBe(true);
    expect(existsSync(path.join(unpacked, 'atom-sync'))).toBe(true);
  });

  it('ships the built app: every dist file except maps and the unused ESM preload', () => {
    expect(entries.length).toBeGreaterThan(0);
    const expected = walk(path.join(repo, 'dist'), repo).filter((f) => !f.endsWith('.map') && f !== 'dist/electron/preload.js');
    const missing = expected.filter((f) => !inAsar(f));
    expect(missing).toEqual([]);
    for (const f of ['package.json', 'dist/engine/index.js', 'dist/electron/main.js', 'dist/electron/preload.cjs', 'dist/renderer/index.html'])
      expect(inAsar(f), f).toBe(true);
    const pkg = readJson('package.json');
    expect(pkg.main).toBe('dist/electron/main.js');
    expect(pkg.type).toBe('module');
  });

  it('ships no sources, tests, source maps or React (bundled into the UI)', () => {
    expect(entries.length).toBeGreaterThan(0);
    const offending = entries.filter(
      (e) =>
        /\.(ts|tsx|mts|cts|map)$/.test(e) ||
        /\/(test|tests|__tests__)\//.test(e) ||
        /^\/(electron|engine|emulator|renderer|scripts|test|resources|docs|monitoring)\//.test(e) ||
        /^\/node_modules\/(react|react-dom|electron|electron-builder|vite|vitest|typescript)\//.test(e) ||
        e === '/dist/electron/preload.js',
    );
    expect(offending).toEqual([]);
  });

  it('includes every production dependency, resolvable the way Node resolves it', () => {
    expect(entries.length).toBeGreaterThan(0);
    const rootPkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const bundledIntoUi = new Set(['react', 'react-dom']);
    for (const dep of Object.keys(rootPkg.dependencies).filter((d) => !bundledIntoUi.has(d))) expect(inAsar(`node_modules/${dep}/package.json`), dep).toBe(true);

    const manifests = entries.filter((e) => /\/node_modules\/(@[^/]+\/)?[^/@]+\/package\.json$/.test(e));
    const unresolved: string[] = [];
    for (const manifest of manifests) {
      const pkg = readJson(manifest.slice(1)) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
      const optional = new Set(Object.keys(pkg.optionalDependencies ?? {}));
      for (const dep of Object.keys(pkg.dependencies ?? {})) {
        if (optional.has(dep)) continue;
        let dir = path.posix.dirname(manifest);
        let found = false;
        for (let hops = 0; hops < 20 && !found; hops++) {
          found = inAsar(`${dir === '/' ? '' : dir.slice(1) + '/'}node_modules/${dep}/package.json`);
          if (dir === '/') break;
          dir = path.posix.dirname(dir);
        }
        if (!found) unresolved.push(`${manifest} -> ${dep}`);
      }
    }
    expect(unresolved).toEqual([]);
  });

  it('unpacks native modules next to the archive', () => {
    const natives = entries.filter((e) => e.endsWith('.node'));
    expect(natives.some((n) => n.endsWith('/better_sqlite3.node'))).toBe(true);
    for (const n of natives) {
      expect((asar.statFile(archive, n.slice(1)) as { unpacked?: boolean }).unpacked, n).toBe(true);
      expect(existsSync(path.join(`${archive}.unpacked`, n)), n).toBe(true);
    }
  });

  it('puts the icons beside the archive, where notification and tray hosts can read them', () => {
    expect(existsSync(archive)).toBe(true);
    const shipped = readdirSync(path.join(unpacked, 'resources', 'tray')).sort();
    expect(shipped).toEqual(readdirSync(path.join(repo, 'resources', 'tray')).filter((f) => /\.(png|ico)$/.test(f)).sort());
    expect(existsSync(path.join(unpacked, 'resources', 'icon.png'))).toBe(true);
  });

  it('flips every Electron fuse as listed in electron-builder.yml', async () => {
    expect(existsSync(archive)).toBe(true);
    const wire = await getCurrentFuseWire(path.join(unpacked, 'atom-sync'));
    const state = (option: FuseV1Options) => (wire as unknown as Record<number, number>)[option];
    expect(state(FuseV1Options.RunAsNode)).toBe(DISABLE);
    expect(state(FuseV1Options.EnableCookieEncryption)).toBe(ENABLE);
    expect(state(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe(DISABLE);
    expect(state(FuseV1Options.EnableNodeCliInspectArguments)).toBe(DISABLE);
    expect(state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation)).toBe(ENABLE);
    expect(state(FuseV1Options.OnlyLoadAppFromAsar)).toBe(ENABLE);
    expect(state(FuseV1Options.LoadBrowserProcessSpecificV8Snapshot)).toBe(DISABLE);
    expect(state(FuseV1Options.GrantFileProtocolExtraPrivileges)).toBe(DISABLE);
  });
});

describe.skipIf(missingBuild.length === 0)('desktop package (not built)', () => {
  it.skip(`needs the build first (missing ${missingBuild.join(', ')}): run npm run build, as npm test does`, () => {});
});
