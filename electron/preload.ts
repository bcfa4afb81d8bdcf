/**
 * The one object the UI gets (`window.atomSync`): the same HTTP API operators use, carried over
 * IPC, plus the live events. Nothing else from Electron or Node reaches the page.
 * Built to dist/electron/preload.cjs by scripts/build-preload.mjs (sandboxed preloads are CommonJS).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { AtomSyncBridge, BridgeResponse } from '../engine/contracts/bridge.js';
import { IPC_CHANNELS } from './ipcChannels.js';

const bridge: AtomSyncBridge = {
  request(req) {
    // Copy the known fields only: the main process validates them again.
    const message = { method: req?.method, path: req?.path, body: req?.body };
    return ipcRenderer.invoke(IPC_CHANNELS.request, message) as Promise<BridgeResponse>;
  },
  onEvent(cb) {
    if (typeof cb !== 'function') throw new TypeError('atomSync.onEvent needs a callback');
    const listener = (_event: IpcRendererEvent, name: string, data: unknown) => cb(name, data);
    ipcRenderer.on(IPC_CHANNELS.event, listener);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNELS.event, listener);
    };
  },
};

contextBridge.exposeInMainWorld('atomSync', bridge);
