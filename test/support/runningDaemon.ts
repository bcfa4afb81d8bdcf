/**
 * The headless daemon in its own process (test/support/daemonProcess.ts), plus what the chaos
 * tests and benches need around it: its URL, plain HTTP calls without browser headers, and a
 * stop that is bounded in time.
 */
import { request } from 'undici';
import { spawnDaemon, type DaemonProcess } from './daemonProcess.js';

export interface HttpAnswer<T = unknown> {
  status: number;
  body: T;
  text: string;
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** One HTTP call to a local API; the body is parsed when it is JSON. Never sends Origin. */
export async function call<T = unknown>(base: string, method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<HttpAnswer<T>> {
  const res = await request(`${base}${path}`, {
    method: method as 'GET',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON (metrics text) */
  }
  return { status: res.statusCode, body: parsed as T, text };
}

export class RunningDaemon {
  constructor(
    readonly proc: DaemonProcess,
    readonly url: string,
  ) {}

  get pid(): number {
    return this.proc.child.pid!;
  }

  output(): string {
    return this.proc.output();
  }

  call<T = unknown>(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<HttpAnswer<T>> {
    return call<T>(this.url, method, path, body, timeoutMs);
  }

  /** SIGKILL: no handler runs, nothing is flushed; resolves once the process is gone. */
  async kill(): Promise<Exit> {
    this.proc.child.kill('SIGKILL');
    return this.proc.exited;
  }

  /** SIGTERM (graceful), then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 10_000): Promise<Exit> {
    if (this.proc.child.exitCode !== null || this.proc.child.signalCode !== null) return this.proc.exited;
    this.proc.child.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.child.kill('SIGKILL'), graceMs);
    try {
      return await this.proc.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Spawns the daemon and resolves once its API listens (it logs `listening url=...`). With
 * ATOM_SYNC_PORT unset or 0 the OS picks the port. Throws with the daemon's output if it exits
 * or does not listen in time.
 */
export async function startDaemon(env: Record<string, string>, timeoutMs = 30_000): Promise<RunningDaemon> {
  const proc = spawnDaemon({ ATOM_SYNC_PORT: '0', ...env });
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000; i++) {
    const match = /INFO \[api\] listening url=(\S+)/.exec(proc.output());
    if (match) return new RunningDaemon(proc, match[1]!);
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`daemon exited before listening:\n${proc.output()}`);
    if (Date.now() > deadline) {
      proc.child.kill('SIGKILL');
      throw new Error(`daemon did not listen within ${timeoutMs} ms:\n${proc.output()}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('daemon did not listen');
}

/**
 * On PostgreSQL (ATOM_DATABASE_URL in the env) a daemon leads only once it has won the election,
 * a few seconds after it listens; until then remote work is answered with 409 not_leader.
 * Resolves once this one reports itself leader (bounded in time).
 */
export async function untilLeading(d: RunningDaemon, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    const answer = await d.call<{ replica?: { role?: string } }>('GET', '/api/admin/sync/snapshot', undefined, 5_000).catch(() => null);
    if (answer?.body?.replica?.role === 'leader') return;
    if (d.proc.child.exitCode !== null || d.proc.child.signalCode !== null) throw new Error(`daemon exited before leading:\n${d.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`daemon did not lead within ${timeoutMs} ms:\n${d.output()}`);
}
