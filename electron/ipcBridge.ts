/**
 * Main side of the preload bridge. A request from the window is refused unless it comes from the
 * app's own page and passes the bridge's checks; then the engine link sends it as one request of
 * the local HTTP API, with the admin token when one is set: in process over the engine's private
 * socket (engine/privateChannel.ts: the stack curl sees, whoever holds the TCP port), attached
 * over loopback to the daemon's API. A link that fails answers 500 (in process) or 503 (attached).
 * The live events are pushed to the window under the stream's names.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { BridgeResponse } from '../engine/contracts/bridge.js';
import type { Logger } from '../engine/log/index.js';
import type { EngineLink } from './engineLink.js';
import { IPC_CHANNELS } from './ipcChannels.js';
import { bridgeResponse, validateBridgeRequest } from './model/bridgeRequest.js';
import { isAppUrl } from './model/windowOptions.js';

export interface BridgeDeps {
  link: EngineLink;
  contents: () => WebContents | null;
  log: Logger;
}

export interface Bridge {
  /** Sends the current snapshot now (a freshly loaded page). */
  pushStatus(): void;
  dispose(): void;
}

export function installBridge(deps: BridgeDeps): Bridge {
  const { link, log } = deps;

  ipcMain.handle(IPC_CHANNELS.request, async (event: IpcMainInvokeEvent, input: unknown): Promise<BridgeResponse> => {
    const frameUrl = event.senderFrame?.url ?? '';
    if (!isAppUrl(frameUrl)) {
      log.warn('bridge request from a foreign frame refused', { url: frameUrl.slice(0, 200) });
      return { status: 403, body: { error: 'forbidden_sender', detail: 'Only the Atom Sync window may use this bridge.' } };
    }
    const checked = validateBridgeRequest(input);
    if (!checked.ok) return { status: checked.status, body: { error: checked.error, detail: checked.detail } };
    try {
      return bridgeResponse(await link.dispatch(checked.request));
    } catch (error) {
      log.error('bridge request failed', { path: checked.request.path, error: (error as Error).message });
      const attached = link.kind === 'attached';
      return attached
        ? { status: 503, body: { error: 'service_unreachable', detail: `The Atom Sync service at ${link.attachedTo} did not answer; it may have stopped.` } }
        : { status: 500, body: { error: 'internal', detail: 'The request could not be handled; the log has the details.' } };
    }
  });

  const send = (name: string, data: unknown) => {
    const contents = deps.contents();
    if (contents && !contents.isDestroyed()) contents.send(IPC_CHANNELS.event, name, data);
  };
  const pushStatus = () => {
    try {
      send('status', link.snapshot());
    } catch (error) {
      log.warn('could not build a status snapshot for the window', { error: (error as Error).message });
    }
  };
  // The link throttles `status` already (as the SSE stream does).
  const off = link.onEvent((name, data) => {
    if (deps.contents()) send(name, data);
  });

  return {
    pushStatus,
    dispose() {
      off();
      ipcMain.removeHandler(IPC_CHANNELS.request);
    },
  };
}
