import type { AtomSyncBridge } from '../../../engine/contracts/bridge.js';
import type { Transport } from './transport.js';

/** Requests through Electron's preload bridge; the main process carries them to the engine (electron/ipcBridge.ts). */
export function bridgeTransport(bridge: AtomSyncBridge): Transport {
  return ({ method, path, body }) => bridge.request(body === undefined ? { method, path } : { method, path, body });
}
