/**
 * The headless daemon as shipped (node dist/engine/daemon.js, no TypeScript loader) in its own
 * process, for benches that measure it from outside. Resolves once its API listens.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunningDaemon } from '../../support/runningDaemon.js';
import type { DaemonProcess } from '../../support/daemonProcess.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const entry = path.join(root, 'dist/engine/daemon.js');

export async function startBuiltDaemon(env: Record<string, string>, timeoutMs = 30_000): Promise<RunningDaemon> {
  if (!existsSync(entry)) throw new Error('build first: npm run build');
  const child = spawn(process.execPath, [entry], {
    cwd: root,
    env: { ...process.env, ATOM_LOG_LEVEL: 'info', ATOM_SYNC_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const proc: DaemonProcess = { child, output: () => text, exited };
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000; i++) {
    const match = /INFO \[api\] listening url=(\S+)/.exec(text);
    if (match) return new RunningDaemon(proc, match[1]!);
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`daemon exited before listening:\n${text}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`daemon did not listen within ${timeoutMs} ms:\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('daemon did not listen');
}
