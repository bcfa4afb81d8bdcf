#!/usr/bin/env node
// Bundles electron/preload.ts (and the channel names it imports) into one CommonJS file:
// a sandboxed preload cannot load ES modules or local files at run time.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// An output path may be given (tests build into a temporary folder).
const outfile = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, 'dist/electron/preload.cjs');

await build({
  entryPoints: [path.join(root, 'electron/preload.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // At or below what Electron 45 ships (Electron 44 already had Chromium 152 and Node 24).
  target: ['chrome152', 'node24'],
  external: ['electron'],
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
