import type { ErrorKind } from './contracts/localHttpApi.js';

/**
 * An error a caller can act on: a machine code, the HTTP status the API answers with, and one
 * human sentence saying what to do. Services throw these; the API turns them into `{error, detail}`.
 */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'EngineError';
  }
}

export const notFound = (what: string) => new EngineError('not_found', 404, `${what} does not exist.`);
export const badRequest = (code: string, detail: string, extra?: Record<string, unknown>) =>
  new EngineError(code, 400, detail, extra);
export const conflictState = (code: string, detail: string, extra?: Record<string, unknown>) =>
  new EngineError(code, 409, detail, extra);

/** Any failure talking to Atom SaaS, classified once so metrics, logs, health and the API agree. */
export class RemoteError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly status: number | null = null,
    /** Minimum wait the server asked for (Retry-After), in ms. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'RemoteError';
  }

  /** Worth trying again later (not auth, not a permanent rejection). */
  get transient(): boolean {
    return this.kind === 'unavailable' || this.kind === 'rate_limited' || this.kind === 'timeout' || this.kind === 'network' || this.kind === 'invalid_response';
  }
}

/** The server does not offer an *ext* capability (404/400/405 on it): fall back to the base API. */
export class ExtensionMissingError extends RemoteError {
  constructor(readonly extension: string, status: number) {
    super('not_found', `the remote does not support ${extension} (HTTP ${status})`, status);
    this.name = 'ExtensionMissingError';
  }
}

export function errorKind(error: unknown): ErrorKind {
  if (error instanceof RemoteError) return error.kind;
  // Errors from the store worker arrive as values with a kind.
  const kind = (error as { kind?: unknown } | null)?.kind;
  if (kind === 'database_busy' || kind === 'database') return kind;
  if (error instanceof Error && /SQLITE/.test((error as { code?: string }).code ?? '')) return 'database';
  return 'internal';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
