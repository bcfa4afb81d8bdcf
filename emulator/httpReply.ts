/** Writing marketplace answers, including the damaged ones that faults ask for. */
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
  const bytes = Buffer.from(JSON.stringify(body));
  const fate = fateOf(res);
  if (fate?.reset) return resetMidBody(res, status, bytes);
  // Any strict prefix of a JSON object or array is invalid JSON.
  const payload = fate?.malformed ? bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2))) : bytes;
  res.status(status).type('application/json').send(payload);
}

/** Promises the whole body, sends half of it, then drops the connection: a real reset. */
function resetMidBody(res: Response, status: number, bytes: Buffer): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(bytes.length) });
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
}
