import type { AtomSyncBridge } from './bridge.js';
import type { Transport } from './transport.js';

/** Requests through Electron's preload bridge, which hands them to the engine in process. */
export function bridgeTransport(bridge: AtomSyncBridge): Transport {
  return ({ method, path, body }) => bridge.request(body === undefined ? { method, path } : { method, path, body });
}
