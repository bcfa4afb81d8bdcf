/**
 * A display for Electron's windows and tray on Linux: the one the session has, or an Xvfb server
 * started for the test (Debian's xvfb package) and stopped after it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

const XVFB = '/usr/bin/Xvfb';

export interface Display {
  /** DISPLAY for the app, or undefined where the platform needs none. */
  name: string | undefined;
  stop(): Promise<void>;
}

export function displayMissing(env: NodeJS.ProcessEnv = process.env): string | null {
  if (process.platform !== 'linux' || env.DISPLAY || env.WAYLAND_DISPLAY) return null;
  return existsSync(XVFB) ? null : `no display and no ${XVFB} (apt-get install -y xvfb)`;
}

export async function openDisplay(env: NodeJS.ProcessEnv = process.env, timeoutMs = 10_000): Promise<Display> {
  if (process.platform !== 'linux' || env.DISPLAY || env.WAYLAND_DISPLAY) return { name: env.DISPLAY, stop: async () => {} };
  // -displayfd: Xvfb picks a free display number and writes it to fd 3 once it accepts clients.
  const xvfb: ChildProcess = spawn(XVFB, ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const number = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start within ${timeoutMs} ms: ${err.slice(-500)}`)), timeoutMs);
    xvfb.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    xvfb.stdio[3]!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.trim());
      }
    });
    xvfb.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited (${code}): ${err.slice(-500)}`));
    });
  });
  return {
    name: `:${number}`,
    async stop() {
      if (xvfb.exitCode !== null || xvfb.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => xvfb.once('exit', () => resolve()));
      xvfb.kill('SIGTERM');
      const timer = setTimeout(() => xvfb.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
