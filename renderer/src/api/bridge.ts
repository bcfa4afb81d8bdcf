/**
 * The preload bridge Electron exposes as `window.atomSync`. The desktop shell implements the
 * preload to this exact shape; the renderer never sees Electron itself.
 */
export interface BridgeRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** Path with query string, e.g. `/api/admin/sync/conflicts?status=all`. */
  path: string;
  body?: unknown;
}

export interface BridgeResponse {
  status: number;
  /** The response body: JSON text as the engine sent it, or the value already parsed. */
  body: unknown;
}

export interface AtomSyncBridge {
  request(req: BridgeRequest): Promise<BridgeResponse>;
  /** Live events (the same names as the SSE stream); returns an unsubscribe function. */
  onEvent(cb: (name: string, data: unknown) => void): () => void;
}

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
