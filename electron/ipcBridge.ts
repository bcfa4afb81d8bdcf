/**
 * Main side of the preload bridge: the UI's requests go to engine.dispatch (the same routes
 * as the HTTP API, without a socket), and the engine's live events are pushed to the window.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { Engine } from '../engine/engineTypes.js';
import type { Logger } from '../engine/log/index.js';
import { IPC_CHANNELS } from './ipcChannels.js';
import { bridgeResponse, LIVE_FORWARDED, validateBridgeRequest } from './model/bridgeRequest.js';
import { isAppUrl } from './model/windowOptions.js';

export interface BridgeDeps {
  engine: Engine;
  contents: () => WebContents | null;
  log: Logger;
  /** At most one `status` push per this many ms (like the SSE stream). */
  statusThrottleMs?: number;
}

export interface Bridge {
  /** Sends the current snapshot now (a freshly loaded page). */
  pushStatus(): void;
  dispose(): void;
}

type Answer = { status: number; body: unknown };

export function installBridge(deps: BridgeDeps): Bridge {
  const { engine, log } = deps;
  const throttleMs = deps.statusThrottleMs ?? 250;
  // The admin API may require a token; the bridge is the app itself, so it carries it.
  const headers: Record<string, string> = engine.config.adminToken ? { authorization: `Bearer ${engine.config.adminToken}` } : {};

  ipcMain.handle(IPC_CHANNELS.request, async (event: IpcMainInvokeEvent, input: unknown): Promise<Answer> => {
    const frameUrl = event.senderFrame?.url ?? '';
    if (!isAppUrl(frameUrl)) {
      log.warn('bridge request from a foreign frame refused', { url: frameUrl.slice(0, 200) });
      return { status: 403, body: { error: 'forbidden_sender', detail: 'Only the Atom Sync window may use this bridge.' } };
    }
    const checked = validateBridgeRequest(input);
    if (!checked.ok) return { status: checked.status, body: { error: checked.error, detail: checked.detail } };
    try {
      return bridgeResponse(await engine.dispatch({ ...checked.request, headers }));
    } catch (error) {
      log.error('bridge request failed', { path: checked.request.path, error: (error as Error).message });
      return { status: 500, body: { error: 'internal', detail: 'The request could not be handled; the log has the details.' } };
    }
  });

  const send = (name: string, data: unknown) => {
    const contents = deps.contents();
    if (contents && !contents.isDestroyed()) contents.send(IPC_CHANNELS.event, name, data);
  };
  let statusTimer: ReturnType<typeof setTimeout> | null = null;
  let lastStatusAt = 0;
  const pushStatus = () => {
    statusTimer = null;
    lastStatusAt = Date.now();
    try {
      send('status', engine.snapshot());
    } catch (error) {
      log.warn('could not build a status snapshot for the window', { error: (error as Error).message });
    }
  };
  const off = engine.events.onAny((name, payload) => {
    if (!deps.contents()) return;
    const live = LIVE_FORWARDED[name];
    if (live) send(live, payload);
    if (statusTimer === null) statusTimer = setTimeout(pushStatus, Math.max(0, lastStatusAt + throttleMs - Date.now()));
  });

  return {
    pushStatus,
    dispose() {
      off();
      if (statusTimer) clearTimeout(statusTimer);
      ipcMain.removeHandler(IPC_CHANNELS.request);
    },
  };
}
