/** autocannon against one URL, and the same load on a bare server in its own process (the floor this machine allows). */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { waitFor } from '../../support/waitFor.js';
import { freePort } from '../../support/freePort.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface LoadResult {
  req_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  non_2xx: number;
  errors: number;
  /** This process's own event-loop delay max (10 ms timer): autocannon's latencies include it. */
  client_loop_max_ms: number;
}

export async function load(url: string, seconds: number, connections: number): Promise<LoadResult> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const result = await autocannon({ url, connections, duration: seconds });
  loop.disable();
  return {
    req_per_s: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    max_ms: result.latency.max,
    non_2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    client_loop_max_ms: Math.round(loop.max / 1e5) / 10,
  };
}

/** `endpoints` loaded in turn on test/bench/support/bareServer.ts (node:http or one-route Express). */
export async function bareBaseline(kind: 'node:http' | 'express', endpoints: readonly string[], seconds: number, connections: number): Promise<Map<string, LoadResult>> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test/bench/support/bareServer.ts'), String(port), ...(kind === 'express' ? ['--express'] : [])], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  const results = new Map<string, LoadResult>();
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}${endpoints[0]}`).catch(() => null))?.ok ?? false, 30_000, 50);
    for (const endpoint of endpoints) results.set(endpoint, await load(`http://127.0.0.1:${port}${endpoint}`, seconds, connections));
    return results;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}
