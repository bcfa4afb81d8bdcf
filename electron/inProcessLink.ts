/**
 * The engine running inside this process behind the EngineLink the desktop uses. Services and
 * settings are looked up at each call: a settings change may rebuild the remote parts behind them.
 */
import type { LiveEventName } from '../engine/contracts/localHttpApi.js';
import type { Engine } from '../engine/engineTypes.js';
import type { Logger } from '../engine/log/index.js';
import { LinkError, type EngineLink, type LinkListener } from './engineLink.js';
import { LIVE_FORWARDED } from './model/bridgeRequest.js';
import { isNotificationLevel } from './model/notificationPolicy.js';

export interface InProcessOptions {
  log: Logger;
  /** At most one `status` event per this many ms (as the SSE stream sends them). */
  statusThrottleMs?: number;
}

export function inProcessLink(engine: Engine, options: InProcessOptions): EngineLink {
  const throttleMs = options.statusThrottleMs ?? 250;
  const listeners = new Set<LinkListener>();
  let statusTimer: ReturnType<typeof setTimeout> | null = null;
  let lastStatusAt = 0;

  const emit = (name: LiveEventName, data: unknown) => {
    for (const listener of [...listeners]) {
      try {
        listener(name, data);
      } catch (error) {
        options.log.warn('desktop listener failed', { event: name, error: (error as Error).message });
      }
    }
  };
  const sendStatus = () => {
    statusTimer = null;
    lastStatusAt = Date.now();
    try {
      emit('status', engine.snapshot());
    } catch (error) {
      options.log.warn('could not build a status snapshot', { error: (error as Error).message });
    }
  };
  const offEvents = engine.events.onAny((name, payload) => {
    if (listeners.size === 0) return;
    const live = LIVE_FORWARDED[name];
    if (live) emit(live, payload);
    if (statusTimer === null) statusTimer = setTimeout(sendStatus, Math.max(0, lastStatusAt + throttleMs - Date.now()));
  });
  // The bridge carries the admin token: the window is the app itself.
  const headers = (): Record<string, string> => (engine.config.adminToken ? { authorization: `Bearer ${engine.config.adminToken}` } : {});

  return {
    kind: 'in-process',
    attachedTo: null,
    snapshot: () => engine.snapshot(),
    settings() {
      const c = engine.config;
      return {
        notifications: isNotificationLevel(c.notifications) ? c.notifications : 'all',
        syncIntervalMinutes: c.syncIntervalMinutes,
        logPath: c.logPath,
        demoMode: c.apiUrl === null,
        tokenConfigured: c.apiToken !== null,
      };
    },
    notice: () => null,
    canWriteSupportBundle: () => true,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onConflictCreated(listener) {
      return engine.events.on('conflict.detected', (e) => {
        if (!e.created) return;
        engine.services.conflicts.get(e.id).then(
          (detail) => listener({ id: e.id, name: detail.entity_name ?? e.entity_id, severity: e.severity }),
          // resolved or gone meanwhile (or the store is busy): the id will do
          () => listener({ id: e.id, name: e.entity_id, severity: e.severity }),
        );
      });
    },
    dispatch: (request) => engine.dispatch({ ...request, headers: headers() }),
    async syncNow() {
      if (engine.services.scheduler.paused) return 'paused';
      const outcome = await engine.services.sync.trigger('incremental', 'manual');
      return outcome.accepted ? null : outcome.reason;
    },
    async reconnect() {
      engine.services.websocket.reconnect();
    },
    async syncRatings() {
      const outcome = engine.services.ratings.trigger();
      if (!outcome.accepted) throw new LinkError(`rating sync not started: ${outcome.reason ?? 'refused'}`, 409, outcome.reason ?? null);
    },
    async pause(forMs) {
      engine.services.scheduler.pause(forMs);
    },
    async resume() {
      engine.services.scheduler.resume();
    },
    reconfigure: (update) => engine.reconfigure(update),
    writeSupportBundle: () => engine.writeSupportBundle(),
    notifyResumed: () => engine.notifyResumed(),
    async close() {
      offEvents();
      listeners.clear();
      if (statusTimer) clearTimeout(statusTimer);
      statusTimer = null;
      await engine.stop();
    },
  };
}
