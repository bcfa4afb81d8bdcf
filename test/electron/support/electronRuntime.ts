/**
 * Where the Electron runtime is, found without `require('electron')`: since Electron 42 that call
 * downloads the binary when it is missing, which on a machine without the internet only fails
 * slowly. The npm package's install step writes path.txt and dist/ (`npm run electron:install`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function electronBinary(root: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const pkg = path.join(root, 'node_modules', 'electron');
  let relative: string;
  try {
    relative = readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim();
  } catch {
    return null;
  }
  if (relative === '') return null;
  const binary = env.ELECTRON_OVERRIDE_DIST_PATH ? path.join(env.ELECTRON_OVERRIDE_DIST_PATH, relative) : path.join(pkg, 'dist', relative);
  return existsSync(binary) ? binary : null;
}
