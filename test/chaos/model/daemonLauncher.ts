/**
 * Starts the real headless daemon for the model test: the built `dist/engine/daemon.js` when it
 * is at least as new as every engine source (a plain Node start is several times faster than
 * tsx), otherwise `engine/daemon.ts` through tsx, so a stale build never stands in for the code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DaemonProcess } from '../../support/daemonProcess.js';
import { RunningDaemon } from '../../support/runningDaemon.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const MAX_OUTPUT_CHARS = 2_000_000;

export type Launch = 'dist' | 'tsx';

/** Daemons still running; killed if this process exits first (an aborted run leaves none behind). */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

function sourcesUnder(dir: string, out: string[] = [], depth = 0): string[] {
  if (depth > 8) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sourcesUnder(full, out, depth + 1);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** `dist` when every engine source has a compiled file at least as new as itself. */
export function chooseLaunch(): Launch {
  if (process.env.ATOM_MODEL_LAUNCH === 'tsx') return 'tsx';
  if (!existsSync(path.join(root, 'dist/engine/daemon.js'))) return 'tsx';
  for (const source of sourcesUnder(path.join(root, 'engine'))) {
    const built = path.join(root, 'dist', path.relative(root, source).replace(/\.ts$/, '.js'));
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(source).mtimeMs) return 'tsx';
  }
  return 'dist';
}

function spawnWith(launch: Launch, env: Record<string, string>): DaemonProcess {
  const args = launch === 'dist' ? [path.join(root, 'dist/engine/daemon.js')] : ['--import', 'tsx', path.join(root, 'engine/daemon.ts')];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ATOM_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let text = '';
  const keep = (d: Buffer) => {
    text += d.toString();
    // a long sequence must not grow without bound: the tail is what a failure report shows
    if (text.length > MAX_OUTPUT_CHARS) text = text.slice(-MAX_OUTPUT_CHARS / 2);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => text, exited };
}

/** Spawns the daemon and resolves once its API listens; throws with its output otherwise (bounded). */
export async function launchDaemon(launch: Launch, env: Record<string, string>, timeoutMs = 30_000): Promise<RunningDaemon> {
  const proc = spawnWith(launch, { ATOM_SYNC_PORT: '0', ...env });
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000; i++) {
    const match = /INFO \[api\] listening url=(\S+)/.exec(proc.output());
    if (match) return new RunningDaemon(proc, match[1]!);
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`daemon exited before listening:\n${proc.output().slice(-4000)}`);
    if (Date.now() > deadline) {
      proc.child.kill('SIGKILL');
      await proc.exited;
      throw new Error(`daemon did not listen within ${timeoutMs} ms:\n${proc.output().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('daemon did not listen');
}
