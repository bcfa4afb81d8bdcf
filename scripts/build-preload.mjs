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
  // Electron 39 ships Chromium 142 and Node 22.
  target: ['chrome142', 'node22'],
  external: ['electron'],
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
