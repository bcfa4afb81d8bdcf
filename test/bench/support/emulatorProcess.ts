import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface EmulatorProcess {
  apiUrl: string;
  wsUrl: string;
  baseUrl: string;
  /** POST to the emulator's control API (faults, mutate, reset). */
  control(pathname: string, body?: unknown): Promise<unknown>;
  stats(): Promise<{ skills: number; requests: number }>;
  stop(): Promise<void>;
}

/** The emulator in its own process, so it neither shares the engine's event loop nor its RSS. */
export async function startEmulatorProcess(skills: number, port: number): Promise<EmulatorProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'emulator/cli.ts'), '--port', String(port), '--skills', String(skills)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await fetch(`${baseUrl}/__emulator/stats`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`emulator did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const control = async (pathname: string, body?: unknown) => {
    try {
      const r = await fetch(`${baseUrl}/__emulator/${pathname}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return await r.json();
    } catch (error) {
      // The emulator process may have died: say how, with the end of what it printed.
      const exit = child.exitCode ?? child.signalCode;
      throw new Error(`emulator ${pathname} failed (${(error as Error).message}; process ${exit === null ? 'running' : `exited: ${exit}`}): ${out.slice(-2000)}`);
    }
  };
  return {
    apiUrl: `${baseUrl}/api/v1/marketplace`,
    wsUrl: `ws://127.0.0.1:${port}/api/ws/satellite/connect`,
    baseUrl,
    control,
    stats: async () => (await control('stats')) as { skills: number; requests: number },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
