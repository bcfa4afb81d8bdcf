#!/usr/bin/env node
// `npm start` (after the build): the desktop app when the Electron runtime is installed,
// otherwise the same engine headless, in this process.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The Electron binary, or null when only the npm package is there. Read from the package's
 * path.txt and dist/ (what its install step writes): since Electron 42, `require('electron')`
 * downloads a missing binary instead of failing, which must not happen at every `npm start`.
 */
export function findElectron(resolve = () => installedElectron(path.join(root, 'node_modules', 'electron'))) {
  try {
    const binary = resolve();
    return typeof binary === 'string' && binary.length > 0 && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

function installedElectron(pkg) {
  const relative = readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim();
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(pkg, 'dist');
  return path.join(dist, relative);
}

function runElectron(binary) {
  const env = { ...process.env };
  // Set by some shells and IDEs; it would make Electron behave as plain Node.
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(binary, [root, ...process.argv.slice(2)], { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  child.on('error', (error) => {
    process.stderr.write(`atom-sync: could not start Electron: ${error.message}\n`);
    process.exit(1);
  });
}

async function runHeadless() {
  const port = process.env.ATOM_SYNC_PORT || '8000';
  process.stdout.write(
    `Electron runtime not installed (run "npm run electron:install" for the desktop app); running headless: http://localhost:${port}/\n`,
  );
  // The daemon installs its own SIGTERM/SIGINT handlers and stops the engine gracefully.
  const daemon = await import('../dist/engine/daemon.js');
  await daemon.runDaemon();
}

function invokedDirectly() {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  const binary = findElectron();
  if (binary) runElectron(binary);
  else await runHeadless();
}
