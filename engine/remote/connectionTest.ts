import type { LookupFunction } from 'node:net';
import { request, type Dispatcher } from 'undici';
import { redactUrl, type ProxySettings } from '../config/index.js';
import type { ConnectionOutcome, ConnectionTestResult } from '../contracts/localHttpApi.js';
import { MARKETPLACE } from '../contracts/remote.js';
import { createHttpDispatcher, isProxyAuthRefusal, proxyAuthMessage, proxyFor, proxyRefusalStatus, type ProxyRoute } from './proxy.js';

export interface ConnectionTestInput {
  apiUrl: string;
  token: string | null;
  proxy: ProxySettings;
  timeoutMs: number;
  instanceId: string;
  /** DNS resolution for the direct connection (tests inject a failing one: real DNS cannot run there). */
  lookup?: LookupFunction;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const SELF_SIGNED_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|UND_ERR_PRX_TLS$|EPROTO$)/;

type Verdict = Omit<ConnectionTestResult, 'elapsed_ms'>;

/**
 * One real authenticated call to the remote (the first page of the skill list, one item per page)
 * through the configured proxy, told back in plain words: what happened, and the catalogue size
 * when it worked. Never throws; the token never appears in what it returns.
 */
export async function testConnection(input: ConnectionTestInput): Promise<ConnectionTestResult> {
  const startedAt = performance.now();
  const done = (verdict: Verdict): ConnectionTestResult => ({ ...verdict, elapsed_ms: Math.round(performance.now() - startedAt) });
  const base = input.apiUrl.replace(/\/+$/, '');
  let host: string;
  try {
    host = new URL(base).host;
  } catch {
    return done(fail('unreachable', `"${base}" is not an absolute URL, so no call was made.`, null));
  }
  let route: ProxyRoute | null;
  let dispatcher: Dispatcher;
  try {
    route = proxyFor(base, input.proxy);
    dispatcher = createHttpDispatcher(input.proxy, {
      connect: { timeout: input.timeoutMs, ...(input.lookup ? { lookup: input.lookup } : {}) },
      headersTimeout: input.timeoutMs,
      bodyTimeout: input.timeoutMs,
      connections: 1,
    });
  } catch {
    return done(fail('unreachable', 'The proxy setting (HTTPS_PROXY or HTTP_PROXY) could not be used: check that it is an http:// URL.', null));
  }
  // One deadline for everything (DNS, proxy, TLS, the answer), whichever stage hangs.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), input.timeoutMs);
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'atom-sync/0.1', 'x-instance-id': input.instanceId };
  if (input.token) {
    headers.authorization = `Bearer ${input.token}`;
    headers['x-api-token'] = input.token;
  }
  try {
    const response = await request(`${base}${MARKETPLACE.skills}?page=1&page_size=1`, {
      dispatcher,
      headers,
      signal: deadline.signal,
      headersTimeout: input.timeoutMs,
      bodyTimeout: input.timeoutMs,
    });
    const text = await response.body.text();
    return done(judgeAnswer(response.statusCode, text, host, route, input.token !== null));
  } catch (error) {
    return done(judgeFailure(error, deadline.signal.aborted, host, route, input.timeoutMs));
  } finally {
    clearTimeout(timer);
    // Not close(): a server that never answers would hold it open.
    void dispatcher.destroy().catch(() => undefined);
  }
}

function fail(outcome: ConnectionOutcome, message: string, status: number | null): Verdict {
  return { ok: false, outcome, message, status, catalogue_size: null };
}

/** The proxy's own wording, as a sentence. */
function sentence(text: string): string {
  const capitalised = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

function judgeAnswer(status: number, text: string, host: string, route: ProxyRoute | null, hadToken: boolean): Verdict {
  if (status === 407) return fail('proxy_auth', sentence(proxyAuthMessage(route)), status);
  if (status === 401 || status === 403) {
    const message = hadToken
      ? `${host} refused the API token (HTTP ${status}): check the token, copied whole from your Atom SaaS account, and try again.`
      : `${host} asks for an API token (HTTP ${status}): enter the token from your Atom SaaS account.`;
    return fail('auth', message, status);
  }
  if (status === 404) {
    return fail('http_error', `${host} has no skill list at this address (HTTP 404): the API URL usually ends in /api/v1/marketplace.`, status);
  }
  if (status >= 400 || status < 200) {
    return fail('http_error', `${host} answered HTTP ${status} instead of the skill list: the service may be down, or the address may be wrong.`, status);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail('invalid_response', `${host} answered, but not with JSON: the address is probably not the Atom SaaS marketplace API.`, status);
  }
  const record = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  if (!record || !Array.isArray(record.skills)) {
    return fail('invalid_response', `${host} answered with JSON that is not a skill list: the address is probably not the Atom SaaS marketplace API.`, status);
  }
  const total = typeof record.total === 'number' && Number.isInteger(record.total) && record.total >= 0 ? record.total : null;
  const accepted = hadToken ? 'the token was accepted and ' : '';
  const message =
    total === null
      ? `Connected to ${host}: ${accepted}skills were listed (the server did not say how many).`
      : `Connected to ${host}: ${accepted}the catalogue has ${total} ${total === 1 ? 'skill' : 'skills'}.`;
  return { ok: true, outcome: 'ok', message, status, catalogue_size: total };
}

/** Every error code on the chain (causes, and each attempt of a happy-eyeballs AggregateError). */
function errorCodes(error: unknown): { codes: string[]; dnsHost: string | null } {
  const codes: string[] = [];
  let dnsHost: string | null = null;
  const queue: unknown[] = [error];
  for (let i = 0; i < queue.length && i < 20; i++) {
    const e = queue[i] as { code?: unknown; name?: unknown; hostname?: unknown; cause?: unknown; errors?: unknown } | null;
    if (typeof e !== 'object' || e === null) continue;
    if (typeof e.code === 'string') codes.push(e.code);
    if (e.name === 'TimeoutError') codes.push('ETIMEDOUT');
    if (typeof e.code === 'string' && DNS_CODES.has(e.code) && typeof e.hostname === 'string') dnsHost ??= e.hostname;
    if (e.cause !== undefined) queue.push(e.cause);
    if (Array.isArray(e.errors)) queue.push(...e.errors);
  }
  return { codes, dnsHost };
}

function judgeFailure(error: unknown, timedOut: boolean, host: string, route: ProxyRoute | null, timeoutMs: number): Verdict {
  const proxyName = route ? (redactUrl(route.url) ?? 'the proxy') : null;
  const waited = timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`;
  if (timedOut) return fail('timeout', `${host} did not answer within ${waited}: check the address, the network${route ? ' and the proxy' : ''}.`, null);
  const proxyStatus = proxyRefusalStatus(error);
  if (proxyStatus !== null && isProxyAuthRefusal(proxyStatus)) return fail('proxy_auth', sentence(proxyAuthMessage(route, proxyStatus)), proxyStatus);
  if (proxyStatus !== null) {
    return proxyStatus >= 500
      ? fail('unreachable', `The proxy at ${proxyName} could not reach ${host} (HTTP ${proxyStatus}): check the address, or ask whoever runs the proxy.`, proxyStatus)
      : fail('http_error', `The proxy at ${proxyName} refused the connection to ${host} (HTTP ${proxyStatus}): it may not allow this host or port.`, proxyStatus);
  }
  const { codes, dnsHost } = errorCodes(error);
  const has = (test: (code: string) => boolean) => codes.some(test);
  if (has((c) => DNS_CODES.has(c))) {
    const missing = dnsHost ?? host.replace(/:\d+$/, '');
    const isProxy = route !== null && missing === safeHostname(route.url);
    return fail(
      'host_not_found',
      isProxy
        ? `The proxy host ${missing} could not be found: check ${route.variable} and this machine's DNS.`
        : `The host ${missing} could not be found: check the API URL and this machine's DNS.`,
      null,
    );
  }
  if (has((c) => TLS_CODE.test(c))) return fail('tls', tlsMessage(codes, host), null);
  if (has((c) => TIMEOUT_CODES.has(c))) return fail('timeout', `${host} did not answer within ${waited}: check the address, the network${route ? ' and the proxy' : ''}.`, null);
  if (route && has((c) => c === 'ECONNREFUSED')) {
    return fail('unreachable', `The proxy at ${proxyName} refused the connection: check ${route.variable} and that the proxy is running.`, null);
  }
  const why = has((c) => c === 'ECONNREFUSED')
    ? 'the connection was refused'
    : has((c) => c === 'ECONNRESET' || c === 'UND_ERR_SOCKET' || c === 'EPIPE')
      ? 'the connection was cut'
      : has((c) => c === 'EHOSTUNREACH' || c === 'ENETUNREACH')
        ? 'there is no network route to it'
        : 'the connection failed';
  return fail('unreachable', `Could not connect to ${host} (${why}): check the address and that the service is up.`, null);
}

function tlsMessage(codes: string[], host: string): string {
  const has = (code: string) => codes.includes(code);
  if (codes.some((c) => SELF_SIGNED_CODES.has(c))) {
    return `The certificate of ${host} is self-signed or from an authority this machine does not trust: add the authority to the system's trusted certificates (or NODE_EXTRA_CA_CERTS).`;
  }
  if (has('CERT_HAS_EXPIRED')) return `The certificate of ${host} has expired: whoever runs the server must renew it.`;
  if (has('CERT_NOT_YET_VALID')) return `The certificate of ${host} is not valid yet: check this machine's clock.`;
  if (has('ERR_TLS_CERT_ALTNAME_INVALID')) return `The certificate presented for ${host} is for another name: check the API URL.`;
  if (codes.some((c) => /WRONG_VERSION_NUMBER|UNKNOWN_PROTOCOL|PACKET_LENGTH_TOO_LONG/.test(c))) {
    return `${host} did not answer with TLS: if the server speaks plain HTTP, the address should start with http://.`;
  }
  return `The secure connection to ${host} failed (${codes.find((c) => TLS_CODE.test(c))}): check the address and the server's certificate.`;
}

function safeHostname(value: string): string | null {
  try {
    return new URL(value).hostname;
  } catch {
    return null;
  }
}
