/**
 * The satellite WebSocket: accepts upgrades (token and fault checks first), answers ping with
 * pong, pushes change frames to every socket, and misbehaves on demand (drop, silence).
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WsMessage } from '../engine/contracts/remote.js';
import type { FaultState } from './faults.js';

const MAX_FRAME_BYTES = 1024 * 1024;

interface Client {
  socket: WebSocket;
  sent: number;
}

export interface SocketHubOptions {
  path: string;
  token?: string;
  faults: () => FaultState;
}

export class SocketHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, autoPong: false });
  private readonly clients = new Set<Client>();
  private seen = 0;

  constructor(private readonly opts: SocketHubOptions) {}

  get connectionsSeen(): number {
    return this.seen;
  }

  get openCount(): number {
    return this.clients.size;
  }

  /** Wired to the HTTP server's 'upgrade' event. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    if (url.pathname !== this.opts.path) return refuse(socket, 404, 'no WebSocket endpoint here');
    if (this.opts.token !== undefined && url.searchParams.get('token') !== this.opts.token) {
      return refuse(socket, 401, 'missing or wrong token');
    }
    const faults = this.opts.faults();
    const rejectStatus = faults.wsRejectStatus;
    if (rejectStatus !== undefined) {
      return refuse(socket, rejectStatus, 'upgrade refused (emulated fault)', faults.current.retry_after);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  broadcast(message: WsMessage): void {
    for (const client of this.clients) this.send(client, message);
  }

  /** Terminates every socket at once (the client sees an abnormal close). */
  dropAll(): void {
    for (const client of this.clients) client.socket.terminate();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(socket: WebSocket): void {
    const client: Client = { socket, sent: 0 };
    this.seen++;
    this.clients.add(client);
    socket.on('close', () => this.clients.delete(client));
    socket.on('error', () => socket.terminate());
    socket.on('ping', (data) => {
      if (!this.opts.faults().wsSilent) socket.pong(data);
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      if (parseType(data.toString()) === 'ping') this.send(client, { type: 'pong', data: {}, timestamp: new Date().toISOString() });
    });
    if (this.opts.faults().wsDropAfter === 0) socket.terminate();
  }

  private send(client: Client, message: WsMessage): void {
    const faults = this.opts.faults();
    if (faults.wsSilent || client.socket.readyState !== client.socket.OPEN) return;
    client.sent++;
    const dropAfter = faults.wsDropAfter;
    if (dropAfter !== undefined && client.sent >= dropAfter) {
      // Terminate, not close: the peer must see a dropped TCP connection, not a polite goodbye.
      client.socket.send(JSON.stringify(message), () => client.socket.terminate());
    } else {
      client.socket.send(JSON.stringify(message));
    }
  }
}

function parseType(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  } catch {
    return undefined;
  }
}

function refuse(socket: Duplex, status: number, detail: string, retryAfter?: number): void {
  const body = JSON.stringify({ error: STATUS_CODES[status] ?? 'refused', detail });
  const headers = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Refused'}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(retryAfter !== undefined ? [`Retry-After: ${retryAfter}`] : []),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}
