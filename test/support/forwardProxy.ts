/** A real forward proxy (Debian's tinyproxy) on loopback, for proxy and connection tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { tempDir } from './tempDir.js';

const SEARCHED = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'].filter((d) => d !== '');

/** Where tinyproxy is installed (Debian 12 puts it in /usr/bin), or null. */
export const TINYPROXY: string | null = SEARCHED.map((dir) => path.join(dir, 'tinyproxy')).find((p) => existsSync(p)) ?? null;

let told = false;
/**
 * True when tinyproxy can run here; otherwise says so once, in one line, so the suite skips
 * cleanly. Under CI (which installs it) a missing proxy is not skipped: the tests run and fail.
 */
export function forwardProxyAvailable(): boolean {
  if (TINYPROXY || process.env.CI === 'true') return true;
  if (!told) {
    told = true;
    console.log('proxy tests skipped: tinyproxy is not installed (.ci/run installs it: apt-get install tinyproxy-bin)');
  }
  return false;
}

export interface ForwardProxyOptions {
  /** Basic proxy authentication: without the right user and password the proxy answers 407. */
  auth?: { user: string; password: string };
  /** Ports CONNECT may reach; none given: every port (tinyproxy's rule when ConnectPort is absent). */
  connectPorts?: readonly number[];
}

export interface ForwardProxy {
  /** http://127.0.0.1:PORT (no credentials). */
  url: string;
  port: number;
  /** The proxy URL with credentials in it, as a user writes HTTPS_PROXY. */
  urlWith(user: string, password: string): string;
  /** Request lines the proxy logged (`CONNECT 127.0.0.1:1234 HTTP/1.1`, `GET http://… HTTP/1.1`). */
  requests(): string[];
  /** CONNECT tunnels asked for to this host:port. */
  tunnelsTo(hostPort: string): number;
  /** Connections the proxy opened onward to a target (after auth passed). */
  established(): number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 2_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts tinyproxy in the foreground on a free loopback port with a temp config; waits until it accepts. */
export async function startForwardProxy(options: ForwardProxyOptions = {}): Promise<ForwardProxy> {
  if (!TINYPROXY) throw new Error('tinyproxy is not installed (apt-get install tinyproxy-bin)');
  const tmp = tempDir('atom-sync-proxy-');
  const logFile = tmp.file('tinyproxy.log');
  let lastError = '';
  // A free port can be taken between the probe and tinyproxy's bind: a few tries.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const lines = [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 30',
      `LogFile "${logFile}"`,
      'LogLevel Connect',
      'MaxClients 50',
      'Allow 127.0.0.1',
      'DisableViaHeader Yes',
      ...(options.auth ? [`BasicAuth ${options.auth.user} ${options.auth.password}`] : []),
      ...(options.connectPorts ?? []).map((p) => `ConnectPort ${p}`),
    ];
    const configFile = tmp.file(`tinyproxy-${attempt}.conf`);
    writeFileSync(configFile, `${lines.join('\n')}\n`);
    const child = spawn(TINYPROXY, ['-d', '-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const deadline = Date.now() + 5_000;
    let up = false;
    for (let i = 0; i < 200 && Date.now() < deadline && child.exitCode === null; i++) {
      if (await canConnect(port)) {
        up = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    if (!up) {
      lastError = stderr.trim() || `tinyproxy did not listen on ${port}`;
      await stopProcess(child);
      continue;
    }
    const readLog = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
    const requests = () => [...readLog().matchAll(/Request \(file descriptor \d+\): (.+)$/gm)].map((m) => m[1]!.trim());
    const url = `http://127.0.0.1:${port}`;
    return {
      url,
      port,
      urlWith: (user, password) => `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
      requests,
      tunnelsTo: (hostPort) => requests().filter((r) => r.startsWith(`CONNECT ${hostPort} `)).length,
      established: () => (readLog().match(/Established connection to host/g) ?? []).length,
      async stop() {
        await stopProcess(child);
        tmp.cleanup();
      },
    };
  }
  tmp.cleanup();
  throw new Error(`tinyproxy did not start: ${lastError}`);
}
