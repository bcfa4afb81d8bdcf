/** Writing marketplace answers, including the damaged ones that faults ask for. */
import type { Socket } from 'node:net';
import type { Response } from 'express';
import type { RequestFate } from './faults.js';

export function fateOf(res: Response): RequestFate | undefined {
  return res.locals.fate as RequestFate | undefined;
}

export function sendError(res: Response, status: number, error: string, detail?: string): void {
  res.status(status).json(detail === undefined ? { error } : { error, detail });
}

/** Sends a 2xx JSON body, unless this request's fate is a reset or a malformed body. */
export function sendJson(res: Response, body: unknown, status = 200): void {
  const fate = fateOf(res);
  const text = JSON.stringify(body);
  const bytes = Buffer.from(fate?.mixedPrecision ? trimWholeSeconds(text) : text);
  if (fate?.reset) return resetMidBody(res, status, bytes);
  // Any strict prefix of a JSON object or array is invalid JSON.
  const payload = fate?.malformed ? bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2))) : bytes;
  res.status(status).type('application/json').send(payload);
}

/**
 * The answer to a write whose effect is already committed: when its fate is a lost reply, the
 * connection goes down before any byte of the answer (true), else the answer is sent (false).
 */
export function loseReply(res: Response): boolean {
  if (!fateOf(res)?.lostReply) return false;
  const socket = res.socket as Socket | null;
  if (socket && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket?.destroy();
  return true;
}

/** Whole-second ISO stamps lose their `.000`, as mixed-precision servers render them. */
export function trimWholeSeconds(json: string): string {
  return json.replace(/"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.000Z"/g, '"$1Z"');
}

/** Promises the whole body, sends half of it, then drops the connection: a real reset. */
function resetMidBody(res: Response, status: number, bytes: Buffer): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(bytes.length) });
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
}
