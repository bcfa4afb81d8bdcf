/**
 * Asks 127.0.0.1:<port> whether an atom-sync daemon serves it, and which database it keeps
 * (GET /api/admin/sync/config, db_path). The answer is read by model/attachDecision.ts.
 */
import { request } from 'undici';
import { probeUrl, readProbeAnswer, type DaemonProbe } from './model/attachDecision.js';

/** Error codes that mean nobody listens there. */
const NOBODY = new Set(['ECONNREFUSED', 'EADDRNOTAVAIL', 'ENETUNREACH', 'EHOSTUNREACH']);

export async function probeDaemon(host: string, port: number, adminToken: string | null, timeoutMs = 1_500): Promise<DaemonProbe> {
  const base = probeUrl(host, port);
  if (base === null) return { kind: 'none' };
  try {
    const res = await request(`${base}/api/admin/sync/config`, {
      method: 'GET',
      headers: { accept: 'application/json', ...(adminToken ? { authorization: `Bearer ${adminToken}` } : {}) },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs * 2),
    });
    const text = await res.body.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return readProbeAnswer(base, res.statusCode, body);
  } catch (error) {
    const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code ?? '';
    if (NOBODY.has(code)) return { kind: 'none' };
    return { kind: 'other', url: base, detail: code || (error as Error).message };
  }
}
