/**
 * The main side of the preload bridge: whatever arrives over IPC is untrusted, so it is checked
 * here before the engine link sends it on as one request of the local HTTP API.
 */
import type { DispatchResponse } from '../../engine/engineTypes.js';
import type { EngineEventName } from '../../engine/events.js';
import { LIVE_FORWARDED as CONTRACT_LIVE_FORWARDED, type LiveEventName } from '../../engine/contracts/localHttpApi.js';
import { BRIDGE_METHODS, type BridgeMethod, type BridgeRequest, type BridgeResponse } from '../../engine/contracts/bridge.js';

export const BRIDGE_PATH_PREFIXES = ['/api/admin/sync/', '/health/'] as const;
/** The server-sent event stream never ends, so it cannot be one request: the bridge pushes events instead. */
const STREAM_PATH = '/api/admin/sync/events';
const MAX_PATH = 2048;
const MAX_BODY_BYTES = 1024 * 1024;

export type BridgeValidation = { ok: true; request: BridgeRequest } | { ok: false; status: 400; error: string; detail: string };

function invalid(detail: string): BridgeValidation {
  return { ok: false, status: 400, error: 'invalid_bridge_request', detail };
}

export function validateBridgeRequest(input: unknown): BridgeValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return invalid('Send an object {method, path, body?}.');
  const { method, path, body } = input as Record<string, unknown>;
  if (typeof method !== 'string' || !(BRIDGE_METHODS as readonly string[]).includes(method.toUpperCase()))
    return invalid(`method must be one of ${BRIDGE_METHODS.join(', ')}.`);
  if (typeof path !== 'string' || path.length === 0 || path.length > MAX_PATH) return invalid('path must be a non-empty string.');
  // No control characters, spaces, backslashes, fragments, dot segments or doubled slashes: the
  // prefix check below must mean what it says once the router normalises the path.
  if (/[\u0000-\u0020\u007f\\#]/.test(path)) return invalid('path contains characters that are not allowed.');
  const pathname = path.split('?')[0]!;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return invalid('path is not valid percent-encoding.');
  }
  if (decoded.split('/').some((seg) => seg === '.' || seg === '..') || decoded.includes('//') || decoded.includes('\\'))
    return invalid('path must not contain dot segments.');
  if (!BRIDGE_PATH_PREFIXES.some((prefix) => pathname.startsWith(prefix)))
    return invalid(`path must start with ${BRIDGE_PATH_PREFIXES.join(' or ')}.`);
  if (pathname === STREAM_PATH || pathname === `${STREAM_PATH}/`)
    return invalid('The live stream is delivered through atomSync.onEvent, not as a request.');
  const upper = method.toUpperCase() as BridgeMethod;
  if (body !== undefined) {
    if (upper === 'GET') return invalid('A GET request has no body.');
    let size: number;
    try {
      size = Buffer.byteLength(JSON.stringify(body) ?? '', 'utf8');
    } catch {
      return invalid('body must be plain JSON data.');
    }
    if (size > MAX_BODY_BYTES) return invalid('body is larger than 1 MiB.');
  }
  return { ok: true, request: body === undefined ? { method: upper, path } : { method: upper, path, body } };
}

/** The answer handed back to the page: the JSON body parsed, anything else as text. */
export function bridgeResponse(response: DispatchResponse): BridgeResponse {
  const type = response.headers['content-type'] ?? '';
  if (type.includes('json') && response.body.length > 0) {
    try {
      return { status: response.status, body: JSON.parse(response.body) as unknown };
    } catch {
      // fall through: a broken JSON body is still worth showing as text
    }
  }
  return { status: response.status, body: response.body };
}

/** Same names as the SSE stream (GET /api/admin/sync/events), so the UI handles both alike. */
export const LIVE_FORWARDED: Partial<Record<EngineEventName, LiveEventName>> = CONTRACT_LIVE_FORWARDED;
