/**
 * The messages between the engine and its store worker. Every call is one message: a path into
 * the worker's tree of repositories and units, its arguments, and whether it writes. A write runs
 * as one transaction; what it emitted (events, log lines) is sent only once it has committed.
 */
export type StoreMode = 'read' | 'write';

export interface CallMessage {
  type: 'call';
  id: number;
  mode: StoreMode;
  path: string[];
  args: unknown[];
}

export interface SerializedError {
  name: string;
  message: string;
  props: Record<string, unknown>;
}

export type ReplyMessage = { type: 'reply'; id: number; ok: true; value: unknown } | { type: 'reply'; id: number; ok: false; error: SerializedError };

/** Something the worker tells the engine outside any reply. */
export type Notice =
  | { type: 'event'; name: string; payload: unknown }
  | { type: 'log'; scope: string; level: 'error' | 'warn' | 'info' | 'debug'; message: string; fields?: Record<string, unknown> }
  /** The database has been locked by another process since `since` (ms), or is free again (null). */
  | { type: 'busy'; since: number | null }
  | { type: 'checkpoint_error'; message: string; fallback: boolean };

export type WorkerMessage = ReplyMessage | Notice | { type: 'ready' } | { type: 'open_failed'; error: SerializedError };

/** The async face of a synchronous object: each method returns a promise; nested objects recurse. */
export type Remote<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : T[K] extends object ? Remote<T[K]> : never;
};

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), props: {} };
  const props: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key !== 'stack' && isCloneable(value)) props[key] = value;
  }
  return { name: error.name, message: error.message, props };
}

function isCloneable(value: unknown): boolean {
  if (value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value)) return true;
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
