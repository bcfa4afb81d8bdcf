/**
 * The desktop bridge (`window.atomSync`): one request of the local HTTP API carried over IPC,
 * and the live events pushed back. The preload, the main side's validator, the renderer and
 * `Engine.dispatch` all speak this shape, so they cannot disagree on it.
 */

/** The methods the UI uses; the main process checks again whatever arrives. */
export const BRIDGE_METHODS = ['GET', 'POST', 'PUT'] as const;
export type BridgeMethod = (typeof BRIDGE_METHODS)[number];

export interface BridgeRequest {
  method: BridgeMethod;
  /** Path with query string, e.g. `/api/admin/sync/conflicts?status=all`. */
  path: string;
  body?: unknown;
}

export interface BridgeResponse {
  status: number;
  /** The body: a JSON body already parsed, anything else as text (null or '' when empty). */
  body: unknown;
}

export interface AtomSyncBridge {
  request(req: BridgeRequest): Promise<BridgeResponse>;
  /** Live events under the SSE stream's names; returns the function that unsubscribes. */
  onEvent(cb: (name: string, data: unknown) => void): () => void;
}
