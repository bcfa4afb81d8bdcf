/**
 * The preload bridge Electron exposes as `window.atomSync` (its shape is the contract in
 * engine/contracts/bridge.ts); the renderer never sees Electron itself.
 */
import type { AtomSyncBridge } from '../../../engine/contracts/bridge.js';

declare global {
  interface Window {
    atomSync?: AtomSyncBridge;
  }
}

/** The bridge when running inside the desktop app, null in a plain browser. */
export function findBridge(host: { atomSync?: unknown }): AtomSyncBridge | null {
  const candidate = host.atomSync as Partial<AtomSyncBridge> | undefined;
  if (candidate && typeof candidate.request === 'function' && typeof candidate.onEvent === 'function') {
    return candidate as AtomSyncBridge;
  }
  return null;
}
