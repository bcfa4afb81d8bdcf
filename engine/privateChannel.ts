import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import type { DispatchRequest, DispatchResponse } from './engineTypes.js';

/**
 * The same request handler on a private socket (a Unix socket, or a named pipe on Windows) that
 * only this process knows: the desktop bridge reaches the API without depending on whoever
 * holds the TCP port, through exactly the stack curl sees.
 */
export class PrivateChannel {
  private server: Server | null = null;
  private agent: Agent | null = null;
  private starting: Promise<void> | null = null;
  private readonly socketPath: string;

  constructor(private readonly handler: RequestListener) {
    const name = `atom-sync-${process.pid}-${randomBytes(6).toString('hex')}`;
    this.socketPath = process.platform === 'win32' ? `\\\\.\\pipe\\${name}` : path.join(tmpdir(), `${name}.sock`);
  }

  private start(): Promise<void> {
    this.starting ??= new Promise<void>((resolve, reject) => {
      const server = createServer(this.handler);
      server.once('error', reject);
      server.listen(this.socketPath, () => {
        this.server = server;
        this.agent = new Agent({ connect: { socketPath: this.socketPath } });
        resolve();
      });
    });
    return this.starting;
  }

  async dispatch(req: DispatchRequest): Promise<DispatchResponse> {
    await this.start();
    const hasBody = req.body !== undefined;
    const response = await request(`http://127.0.0.1${req.path.startsWith('/') ? '' : '/'}${req.path}`, {
      dispatcher: this.agent!,
      method: req.method.toUpperCase() as 'GET',
      headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...req.headers, host: '127.0.0.1' },
      body: hasBody ? JSON.stringify(req.body) : undefined,
    });
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(response.headers)) if (value !== undefined) headers[key] = String(value);
    return { status: response.statusCode, headers, body: await response.body.text() };
  }

  async close(): Promise<void> {
    await this.agent?.close();
    const server = this.server;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (process.platform !== 'win32') rmSync(this.socketPath, { force: true });
    this.server = null;
    this.agent = null;
  }
}
