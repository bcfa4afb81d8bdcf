import type { ClientRequest, Agent as HttpAgent } from 'node:http';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { redactUrl, type ProxySettings } from '../config/index.js';

/** The proxy a request goes through, and the variable that named it (for messages). */
export interface ProxyRoute {
  url: string;
  variable: 'HTTPS_PROXY' | 'HTTP_PROXY';
}

export const NO_PROXY_SETTINGS: ProxySettings = { httpsProxy: null, httpProxy: null, noProxy: null };

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };

/**
 * Whether NO_PROXY sends this host:port direct. The same rules as undici's EnvHttpProxyAgent
 * (which routes the HTTP calls), so the socket and the HTTP calls always take the same path:
 * entries split on commas or spaces, `*` alone matches all, a leading `.` or `*.` is dropped,
 * an entry matches the host and its subdomains, `host:port` only that port.
 */
export function bypassesProxy(hostname: string, port: number, noProxy: string | null): boolean {
  const value = noProxy ?? '';
  const entries = value.split(/[,\s]/).filter((e) => e !== '');
  if (entries.length === 0) return false;
  if (value === '*') return true;
  const host = hostname.toLowerCase();
  return entries.some((entry) => {
    const parsed = /^(.+):(\d+)$/.exec(entry);
    const entryHost = (parsed ? parsed[1]! : entry).replace(/^\*?\./, '').toLowerCase();
    const entryPort = parsed ? Number.parseInt(parsed[2]!, 10) : 0;
    if (entryPort && entryPort !== port) return false;
    return host === entryHost || host.endsWith(`.${entryHost}`);
  });
}

/** The proxy for a target URL (http/https/ws/wss), or null when it goes direct. */
export function proxyFor(target: string | URL, proxy: ProxySettings | undefined): ProxyRoute | null {
  if (!proxy || (!proxy.httpsProxy && !proxy.httpProxy)) return null;
  const url = typeof target === 'string' ? new URL(target) : target;
  // URL.host keeps the brackets of an IPv6 literal, as undici compares it.
  const hostname = url.host.replace(/:\d*$/, '');
  const port = Number.parseInt(url.port, 10) || DEFAULT_PORTS[url.protocol] || 0;
  if (bypassesProxy(hostname, port, proxy.noProxy)) return null;
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  // As undici does: a secure target falls back to HTTP_PROXY when HTTPS_PROXY is unset.
  if (secure && proxy.httpsProxy) return { url: proxy.httpsProxy, variable: 'HTTPS_PROXY' };
  return proxy.httpProxy ? { url: proxy.httpProxy, variable: 'HTTP_PROXY' } : null;
}

/**
 * The undici dispatcher for the marketplace calls: a plain pooled Agent without a proxy, else an
 * EnvHttpProxyAgent given the settings explicitly ('' where unset, so it never reads process.env).
 */
export function createHttpDispatcher(proxy: ProxySettings | undefined, options: Agent.Options): Dispatcher {
  if (!proxy || (!proxy.httpsProxy && !proxy.httpProxy)) return new Agent(options);
  return new EnvHttpProxyAgent({
    ...options,
    httpProxy: proxy.httpProxy ?? '',
    httpsProxy: proxy.httpsProxy ?? '',
    noProxy: proxy.noProxy ?? '',
  });
}

/** How `ws` reaches a server through a proxy. */
export interface WsProxy {
  agent: HttpAgent;
  route: ProxyRoute;
  /**
   * The status the proxy refused this upgrade's tunnel with, or null when the answer `ws`
   * reports came from the server itself (a refused tunnel reaches `ws` as the proxy's answer).
   */
  refusal(request: ClientRequest): number | null;
}

/**
 * A CONNECT tunnel through the proxy for ws:// and wss:// alike (forward proxies pass upgrades
 * only inside a tunnel); null when the socket goes direct.
 */
export function createWsProxy(target: string | URL, proxy: ProxySettings | undefined): WsProxy | null {
  const route = proxyFor(target, proxy);
  if (!route) return null;
  const agent = new HttpsProxyAgent(route.url);
  const refused = new WeakMap<ClientRequest, number>();
  agent.on('proxyConnect', (answer: { statusCode: number }, request: ClientRequest) => {
    if (answer.statusCode !== 200) refused.set(request, answer.statusCode);
  });
  return { agent, route, refusal: (request) => refused.get(request) ?? null };
}

/**
 * Statuses by which a proxy asks for credentials: 407, and the 401 some (tinyproxy) send for
 * wrong ones. A refused CONNECT is always the proxy's own answer, never the server's.
 */
export function isProxyAuthRefusal(status: number): boolean {
  return status === 407 || status === 401;
}

/** One sentence for a proxy's credentials refusal, naming the proxy without its credentials. */
export function proxyAuthMessage(route: ProxyRoute | null, status = 407): string {
  if (!route) return `a proxy asked for credentials (${status}): set them in HTTPS_PROXY as http://user:password@host:port`;
  const shown = redactUrl(route.url) ?? route.url;
  let hadCredentials = false;
  let hostPort = 'host:port';
  try {
    const parsed = new URL(route.url);
    hadCredentials = parsed.username !== '' || parsed.password !== '';
    hostPort = parsed.host;
  } catch {
    // An unreadable URL was refused by the config parser already; keep the generic wording.
  }
  return hadCredentials
    ? `the proxy at ${shown} refused the credentials (${status}): check the user and password in ${route.variable}`
    : `the proxy at ${shown} asked for credentials (${status}): set them in ${route.variable} as http://user:password@${hostPort}`;
}

/**
 * The status a proxy answered a CONNECT with, when `error` is undici's report of it
 * ("Proxy response (407) !== 200 when HTTP Tunneling", or the 407 of a forwarding proxy).
 */
export function proxyRefusalStatus(error: unknown): number | null {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const tunnel = /Proxy response \((\d{3})\)/.exec(e.message);
    if (tunnel) return Number(tunnel[1]);
    if (/Proxy Authentication Required \(407\)/.test(e.message)) return 407;
  }
  return null;
}
