/**
 * The satellite WebSocket: accepts upgrades (token and fault checks first), answers ping with
 * pong, pushes change frames to every socket, and misbehaves on demand (drop, silence,
 * duplicated and out-of-order frames, mixed-precision stamps).
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { PushFrame } from './core.js';
import type { FaultState } from './faults.js';
import { trimWholeSeconds } from './httpReply.js';

const MAX_FRAME_BYTES = 1024 * 1024;
/** A frame held back for reordering goes out after the next one, or after this long. */
export const REORDER_HOLD_MS = 200;

interface Client {
  socket: WebSocket;
  sent: number;
}

export interface SocketHubOptions {
  path: string;
  token?: string;
  faults: () => FaultState;
  /** The server's clock (ms), for pong stamps. */
  now: () => number;
}

interface Held {
  frame: PushFrame;
  copies: number;
  timer: NodeJS.Timeout;
}

export class SocketHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, autoPong: false });
  private readonly clients = new Set<Client>();
  private seen = 0;
  private held: Held | null = null;

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

  /**
   * Pushes a frame to every socket. Seeded dice may send it twice, or hold it back until the
   * next frame has gone out (or REORDER_HOLD_MS passed), so clients see it out of order.
   */
  broadcast(frame: PushFrame): void {
    const fate = this.opts.faults().decideFrame();
    const copies = fate.duplicate ? 2 : 1;
    const held = this.takeHeld();
    if (fate.reorder && !held) {
      this.held = { frame, copies, timer: setTimeout(() => this.release(), REORDER_HOLD_MS) };
      this.held.timer.unref();
      return;
    }
    this.deliver(frame, copies);
    if (held) this.deliver(held.frame, held.copies);
  }

  /** Terminates every socket at once (the client sees an abnormal close). */
  dropAll(): void {
    this.takeHeld();
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
      if (parseType(data.toString()) === 'ping') this.send(client, this.render({ type: 'pong', data: {}, timestamp: new Date(this.opts.now()).toISOString() }));
    });
    if (this.opts.faults().wsDropAfter === 0) socket.terminate();
  }

  private takeHeld(): Held | null {
    const held = this.held;
    if (held) clearTimeout(held.timer);
    this.held = null;
    return held;
  }

  private release(): void {
    const held = this.takeHeld();
    if (held) this.deliver(held.frame, held.copies);
  }

  private deliver(frame: PushFrame, copies: number): void {
    const text = this.render(frame);
    for (let n = 0; n < copies; n++) for (const client of this.clients) this.send(client, text);
  }

  private render(frame: PushFrame): string {
    const text = JSON.stringify(frame);
    return this.opts.faults().mixedPrecision ? trimWholeSeconds(text) : text;
  }

  private send(client: Client, text: string): void {
    const faults = this.opts.faults();
    if (faults.wsSilent || client.socket.readyState !== client.socket.OPEN) return;
    client.sent++;
    const dropAfter = faults.wsDropAfter;
    if (dropAfter !== undefined && client.sent >= dropAfter) {
      // Terminate, not close: the peer must see a dropped TCP connection, not a polite goodbye.
      client.socket.send(text, () => client.socket.terminate());
    } else {
      client.socket.send(text);
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
