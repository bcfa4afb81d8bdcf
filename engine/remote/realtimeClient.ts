import WebSocket from 'ws';
import { isoNow, type Clock, type TimerHandle } from '../clock.js';
import { redactUrl, type ProxySettings } from '../config/index.js';
import type { WebSocketState, WebSocketStatusResponse } from '../contracts/localHttpApi.js';
import type { WsMessage } from '../contracts/remote.js';
import type { EngineEvents } from '../events.js';
import type { Logger } from '../log/index.js';
import type { WebSocketControl } from '../services.js';
import { createWsProxy, isProxyAuthRefusal, proxyAuthMessage, type WsProxy } from './proxy.js';
import { backoffDelay, type Backoff } from './backoff.js';
import { parseRetryAfter } from './retryPolicy.js';
import { validateSkillEntry } from './skillValidation.js';

export const HEARTBEAT_MS = 30_000;
export const DEAD_AFTER_MS = 60_000;
/** A connection that stayed up this long resets the backoff. */
export const STABLE_AFTER_MS = 30_000;
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Reconnects after 1, 2, 4, 8, 16 s … capped, ±20 % around each step (a draw of 0.5 gives the step itself, which tests use). */
export function reconnectBackoff(maxSeconds: number): Backoff {
  return { baseMs: 1000, capMs: maxSeconds * 1000, jitter: [0.8, 1.2] };
}

export interface RealtimeClientDeps {
  url: string | null;
  token: string | null;
  instanceId: string;
  enabled: boolean;
  backoffMaxSeconds: number;
  clock: Clock;
  log: Logger;
  events: EngineEvents;
  random?: () => number;
  /** A valid frame arrived (skill_update, skill_delete, category_update, rating_update). */
  onMessage: (message: WsMessage) => void;
  /** Connected again after a drop: close the gap with an incremental sync. */
  onReconnected: () => void;
  /** A frame was dropped (malformed, oversize, unknown type); `skillId` when an invalid skill could be named. */
  onDropped?: (reason: string, skillId: string | null) => void;
  /** Forward proxy (HTTPS_PROXY for wss://, HTTP_PROXY for ws://, NO_PROXY); none when absent. */
  proxy?: ProxySettings;
}

/** Why an upgrade was refused, when the refusal changes what we do next. */
type Refusal = 'auth' | 'proxy_auth' | null;

const MESSAGE_TYPES = new Set(['skill_update', 'skill_delete', 'category_update', 'rating_update', 'ping', 'pong']);

/** Validates a frame's shape where it enters; null when it must be dropped. */
export function parseFrame(text: string): WsMessage | { dropped: string; skillId?: string | null } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { dropped: 'malformed JSON' };
  }
  if (typeof value !== 'object' || value === null) return { dropped: 'not an object' };
  const frame = value as { type?: unknown; data?: unknown };
  if (typeof frame.type !== 'string' || !MESSAGE_TYPES.has(frame.type)) return { dropped: `unknown type ${String(frame.type)}` };
  if (frame.type === 'ping' || frame.type === 'pong') return frame as WsMessage;
  const data = frame.data as Record<string, unknown> | undefined;
  if (typeof data !== 'object' || data === null) return { dropped: `${frame.type} without data` };
  // A pushed skill passes the same checks as a listed one.
  if (frame.type === 'skill_update') {
    const checked = validateSkillEntry(data);
    if (checked.kind !== 'skill') {
      return { dropped: `skill_update: ${checked.kind === 'invalid' ? checked.reason : 'a tombstone'}`, skillId: checked.kind === 'invalid' ? checked.skillId : null };
    }
    return frame as WsMessage;
  }
  const needs: Record<string, string[]> = {
    skill_delete: ['skill_id'],
    category_update: ['name'],
    rating_update: ['skill_id'],
  };
  for (const key of needs[frame.type] ?? []) {
    if (typeof data[key] !== 'string' || data[key] === '') return { dropped: `${frame.type} without ${key}` };
  }
  if (frame.type === 'skill_delete' && data.updated_at !== undefined && typeof data.updated_at !== 'string') {
    return { dropped: 'skill_delete with a non-string updated_at', skillId: data.skill_id as string };
  }
  return frame as WsMessage;
}

/**
 * The Atom SaaS socket: heartbeat, dead-peer detection, reconnect with capped backoff forever,
 * except after an auth refusal (then it waits for a manual reconnect or new credentials).
 */
export class RealtimeClient implements WebSocketControl {
  private socket: WebSocket | null = null;
  private state: WebSocketState;
  private attempts = 0;
  private reconnects = 0;
  private everConnected = false;
  private stopped = true;
  private lastMessageAt: string | null = null;
  private connectedSince: number | null = null;
  private nextRetryAt: number | null = null;
  private lastError: string | null = null;
  private lastFrameAt = 0;
  private retryTimer: TimerHandle | null = null;
  private heartbeatTimer: TimerHandle | null = null;
  private readonly random: () => number;
  private readonly backoff: Backoff;
  /** The CONNECT tunnel when the socket goes through a proxy (one for the client's life). */
  private proxy: WsProxy | null | undefined;

  constructor(private readonly deps: RealtimeClientDeps) {
    this.state = deps.enabled && deps.url ? 'backoff' : 'disabled';
    this.random = deps.random ?? Math.random;
    this.backoff = reconnectBackoff(deps.backoffMaxSeconds);
  }

  start(): void {
    if (!this.deps.enabled || !this.deps.url) {
      this.setState('disabled');
      return;
    }
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    socket?.removeAllListeners();
    socket?.on('error', () => {});
    socket?.terminate();
    this.connectedSince = null;
    if (this.state !== 'disabled') this.setState('backoff');
  }

  reconnect(): void {
    if (!this.deps.enabled || !this.deps.url) return;
    this.deps.log.info('websocket reconnect requested');
    this.stopped = false;
    this.attempts = 0;
    this.dropSocket();
    this.connect(true);
  }

  status(): WebSocketStatusResponse {
    return {
      connected: this.state === 'connected',
      last_message: this.lastMessageAt,
      reconnect_count: this.reconnects,
      enabled: this.deps.enabled && this.deps.url !== null,
      state: this.state,
      next_retry_at: this.state === 'backoff' && this.nextRetryAt ? new Date(this.nextRetryAt).toISOString() : null,
      connected_since: this.connectedSince ? new Date(this.connectedSince).toISOString() : null,
      last_error: this.lastError,
    };
  }

  /** `forced`: a manual reconnect always counts, even before any connection succeeded. */
  private connect(forced = false): void {
    this.clearTimers();
    if (forced || this.everConnected || this.attempts > 0) {
      this.reconnects++;
      this.deps.events.emit('websocket.reconnect', { reconnect_count: this.reconnects });
    }
    this.attempts++;
    this.setState('connecting');
    const url = new URL(this.deps.url!);
    if (this.deps.token) url.searchParams.set('token', this.deps.token);
    const headers: Record<string, string> = { 'x-instance-id': this.deps.instanceId };
    if (this.deps.token) {
      headers.authorization = `Bearer ${this.deps.token}`;
      headers['x-api-token'] = this.deps.token;
    }
    // Frames past our limit are dropped by us, not by ws (which would close the connection).
    if (this.proxy === undefined) this.proxy = createWsProxy(url, this.deps.proxy);
    const proxy = this.proxy;
    const socket = new WebSocket(url, { headers, maxPayload: 16 * MAX_MESSAGE_BYTES, handshakeTimeout: 15_000, agent: proxy?.agent });
    this.socket = socket;
    socket.on('open', () => this.onOpen(socket));
    socket.on('message', (data, isBinary) => this.onFrame(socket, data as Buffer, isBinary));
    socket.on('unexpected-response', (req, res) => {
      const status = res.statusCode ?? 0;
      const retryAfter = parseRetryAfter(res.headers['retry-after'], this.deps.clock.now());
      res.resume();
      // A refused tunnel reaches us here too, as the proxy's answer: never taken for the server's.
      if (proxy && proxy.refusal(req) !== null) {
        if (isProxyAuthRefusal(status)) return this.onClosed(socket, proxyAuthMessage(proxy.route, status), 'proxy_auth', retryAfter);
        return this.onClosed(socket, `the proxy at ${redactUrl(proxy.route.url)} refused the tunnel with HTTP ${status}`, null, retryAfter);
      }
      if (status === 407) return this.onClosed(socket, proxyAuthMessage(proxy?.route ?? null, status), 'proxy_auth', retryAfter);
      this.onClosed(socket, `upgrade refused with HTTP ${status}`, status === 401 || status === 403 ? 'auth' : null, retryAfter);
    });
    socket.on('error', (error) => this.onClosed(socket, error.message, null, null));
    socket.on('close', (code) => this.onClosed(socket, `closed (code ${code})`, null, null));
  }

  private onOpen(socket: WebSocket): void {
    if (socket !== this.socket) return;
    const reconnected = this.everConnected;
    this.everConnected = true;
    this.connectedSince = this.deps.clock.now();
    this.lastFrameAt = this.connectedSince;
    this.lastError = null;
    this.setState('connected');
    this.deps.log.info(reconnected ? 'websocket reconnected' : 'websocket connected', { reconnect_count: this.reconnects });
    this.scheduleHeartbeat();
    if (reconnected) this.deps.onReconnected();
  }

  private onFrame(socket: WebSocket, data: Buffer, isBinary: boolean): void {
    if (socket !== this.socket) return;
    this.lastFrameAt = this.deps.clock.now();
    if (isBinary || data.length > MAX_MESSAGE_BYTES) {
      this.drop(isBinary ? 'binary frame' : `frame of ${data.length} bytes exceeds 1 MiB`);
      return;
    }
    const frame = parseFrame(data.toString('utf8'));
    if ('dropped' in frame) {
      this.drop(frame.dropped, frame.skillId ?? null);
      return;
    }
    this.lastMessageAt = isoNow(this.deps.clock);
    this.deps.events.emit('websocket.message', { type: frame.type });
    if (frame.type === 'ping') {
      socket.send(JSON.stringify({ type: 'pong', timestamp: this.lastMessageAt }));
      return;
    }
    if (frame.type === 'pong') return;
    try {
      this.deps.onMessage(frame);
    } catch (error) {
      this.deps.log.error('websocket message could not be applied', { type: frame.type, error: (error as Error).message });
      this.deps.onDropped?.(`apply failed: ${(error as Error).message}`, null);
    }
  }

  private drop(reason: string, skillId: string | null = null): void {
    this.deps.log.warn('websocket frame dropped', { reason, skill_id: skillId ?? undefined });
    this.deps.onDropped?.(reason, skillId);
  }

  private onClosed(socket: WebSocket, reason: string, refusal: Refusal, retryAfterMs: number | null): void {
    if (socket !== this.socket) return;
    this.socket = null;
    socket.removeAllListeners();
    socket.on('error', () => {});
    socket.terminate();
    const wasConnected = this.state === 'connected';
    const stableFor = this.connectedSince ? this.deps.clock.now() - this.connectedSince : 0;
    this.connectedSince = null;
    this.clearTimers();
    this.lastError = reason;
    if (this.stopped) return;
    if (refusal === 'auth') {
      this.setState('auth_failed');
      this.deps.log.error('websocket refused: authentication failed; not retrying until credentials change or a manual reconnect', { error: reason });
      return;
    }
    if (refusal === 'proxy_auth') this.deps.log.error('websocket refused by the proxy: credentials missing or wrong', { error: reason });
    if (wasConnected && stableFor >= STABLE_AFTER_MS) this.attempts = 0;
    // The token is not in question, so not auth_failed; but each try with the same proxy
    // credentials fails alike (and may lock the account behind them): wait the longest step.
    const attempt = refusal === 'proxy_auth' ? Number.MAX_SAFE_INTEGER : Math.max(1, this.attempts);
    const delay = backoffDelay(this.backoff, attempt, this.random, retryAfterMs);
    this.nextRetryAt = this.deps.clock.now() + delay;
    this.setState('backoff');
    this.deps.log.warn('websocket disconnected, retrying', { error: reason, delay_ms: delay, attempt: this.attempts });
    this.retryTimer = this.deps.clock.setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
    this.retryTimer.unref?.();
  }

  private scheduleHeartbeat(): void {
    this.heartbeatTimer = this.deps.clock.setTimeout(() => {
      const socket = this.socket;
      if (!socket || this.state !== 'connected') return;
      if (this.deps.clock.now() - this.lastFrameAt >= DEAD_AFTER_MS) {
        this.onClosed(socket, 'no frame for 60 s (dead connection)', null, null);
        return;
      }
      socket.send(JSON.stringify({ type: 'ping', timestamp: isoNow(this.deps.clock) }));
      this.scheduleHeartbeat();
    }, HEARTBEAT_MS);
    this.heartbeatTimer.unref?.();
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = null;
    this.clearTimers();
    if (socket) {
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.terminate();
    }
    this.connectedSince = null;
  }

  private clearTimers(): void {
    if (this.retryTimer) this.deps.clock.clearTimeout(this.retryTimer);
    if (this.heartbeatTimer) this.deps.clock.clearTimeout(this.heartbeatTimer);
    this.retryTimer = null;
    this.heartbeatTimer = null;
  }

  private setState(state: WebSocketState): void {
    const changed = state !== this.state;
    this.state = state;
    if (state !== 'backoff') this.nextRetryAt = null;
    if (changed || state === 'backoff') this.deps.events.emit('websocket.state', this.status());
  }
}
