import type { RequestHandler } from 'express';
import type { Clock, TimerHandle } from '../clock.js';
import { LIVE_FORWARDED, type EngineSnapshot, type LiveEventName } from '../contracts/localHttpApi.js';
import type { EngineEventName, EngineEvents } from '../events.js';
import type { Logger } from '../log/index.js';
import { apiError } from './errors.js';

export interface LiveOptions {
  /** Comment line that keeps proxies and idle timers from closing the stream (default 15 s). */
  heartbeatMs?: number;
  /** At most one `status` snapshot per this many ms (default 250, i.e. ≤ 4/s). */
  throttleMs?: number;
  /** Concurrent streams (default 32): each one holds a socket and a listener. */
  maxClients?: number;
}

const FORWARDED: Partial<Record<EngineEventName, LiveEventName>> = LIVE_FORWARDED;

/** A client that stops reading is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

interface LiveDeps {
  events: EngineEvents;
  snapshot: () => EngineSnapshot;
  clock: Clock;
  log: Logger;
  options?: LiveOptions;
}

function unref(handle: TimerHandle): TimerHandle {
  handle.unref?.();
  return handle;
}

/** GET /api/admin/sync/events: server-sent events, a snapshot first, then changes as they happen. */
export function liveEvents(deps: LiveDeps): RequestHandler {
  const heartbeatMs = deps.options?.heartbeatMs ?? 15_000;
  const throttleMs = deps.options?.throttleMs ?? 250;
  const maxClients = deps.options?.maxClients ?? 32;
  let clients = 0;

  return (req, res) => {
    if (req.method === 'HEAD') {
      res.status(200).type('text/event-stream').end();
      return;
    }
    if (clients >= maxClients) {
      throw apiError(503, 'too_many_streams', `At most ${maxClients} live streams may be open at once; close one and try again.`);
    }
    clients++;
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();

    let closed = false;
    let lastStatusAt = 0;
    let statusTimer: TimerHandle | null = null;
    let heartbeat: TimerHandle | null = null;

    const write = (chunk: string) => {
      if (closed) return;
      res.write(chunk);
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        deps.log.warn('live stream client too slow; dropped');
        closed = true;
        res.destroy();
      }
    };
    const send = (name: LiveEventName, data: unknown) => write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    const sendStatus = () => {
      statusTimer = null;
      lastStatusAt = deps.clock.now();
      try {
        send('status', deps.snapshot());
      } catch (error) {
        deps.log.warn('live stream could not build a status snapshot', { error: (error as Error).message });
      }
    };
    const scheduleStatus = () => {
      if (closed || statusTimer !== null) return;
      const wait = Math.max(0, lastStatusAt + throttleMs - deps.clock.now());
      statusTimer = unref(deps.clock.setTimeout(sendStatus, wait));
    };
    const beat = () => {
      write(': heartbeat\n\n');
      heartbeat = unref(deps.clock.setTimeout(beat, heartbeatMs));
    };

    const off = deps.events.onAny((name, payload) => {
      const live = FORWARDED[name];
      if (live) send(live, payload);
      scheduleStatus();
    });
    res.on('close', () => {
      closed = true;
      clients--;
      off();
      if (statusTimer) deps.clock.clearTimeout(statusTimer);
      if (heartbeat) deps.clock.clearTimeout(heartbeat);
    });

    write('retry: 5000\n\n');
    sendStatus();
    heartbeat = unref(deps.clock.setTimeout(beat, heartbeatMs));
  };
}

