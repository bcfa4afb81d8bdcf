/**
 * The system's proxy for Atom SaaS, as Chromium resolves it (system settings, a PAC script, WPAD):
 * `session.resolveProxy(url)` answers in PAC syntax, e.g. "PROXY proxy.corp:3128; DIRECT". The
 * engine speaks HTTP(S) CONNECT proxies only, so that answer becomes one HTTPS_PROXY/HTTP_PROXY
 * value, or none (direct).
 */
import type { Env } from './dbLocation.js';

export interface PacChoice {
  /** Proxy URL for the engine (`http://host:port` or `https://host:port`), or null for a direct connection. */
  proxy: string | null;
  /** Entries skipped because the engine cannot use them (SOCKS, QUIC), for the log. */
  skipped: string[];
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * The first entry the engine can use, in the PAC result's order (later ones are fallbacks). A
 * SOCKS entry is skipped (and named in `skipped`); with nothing usable the connection goes direct.
 */
export function parsePacResult(result: string): PacChoice {
  const skipped: string[] = [];
  for (const raw of result.split(';')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const [keyword = '', target = '', ...rest] = entry.split(/\s+/);
    const kind = keyword.toUpperCase();
    if (kind === 'DIRECT') return { proxy: null, skipped };
    const address = HOST_PORT.exec(target);
    const port = address ? Number(address[2]) : 0;
    if ((kind === 'PROXY' || kind === 'HTTP' || kind === 'HTTPS') && address && rest.length === 0 && port > 0 && port <= 65_535) {
      return { proxy: `${kind === 'HTTPS' ? 'https' : 'http'}://${address[1]!.toLowerCase()}:${port}`, skipped };
    }
    skipped.push(entry.slice(0, 200));
  }
  return { proxy: null, skipped };
}

/** Names that already choose a proxy (or its absence): then the system's answer is not used. */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy'];

export function envSetsProxy(env: Env): boolean {
  return PROXY_VARIABLES.some((name) => {
    const value = env[name];
    return value !== undefined && value.trim() !== '';
  });
}

/** The variable that carries a proxy for this URL's scheme (a WebSocket follows its HTTP twin). */
export function proxyVariableFor(targetUrl: string): 'HTTPS_PROXY' | 'HTTP_PROXY' | null {
  let protocol: string;
  try {
    protocol = new URL(targetUrl).protocol;
  } catch {
    return null;
  }
  if (protocol === 'https:' || protocol === 'wss:') return 'HTTPS_PROXY';
  if (protocol === 'http:' || protocol === 'ws:') return 'HTTP_PROXY';
  return null;
}

export interface SystemProxyPlan {
  /** Variables to add to the engine's environment ({} when nothing is to be added). */
  env: Record<string, string>;
  /** One line for the log: what was decided and why. */
  note: string;
  skipped: string[];
}

/**
 * What the system's proxy adds to the engine's environment: nothing when the environment chose
 * already, when there is no remote URL (demo mode), or when the system says direct.
 */
export function systemProxyEnv(env: Env, apiUrl: string | null, pacResult: string | null): SystemProxyPlan {
  if (envSetsProxy(env)) return { env: {}, note: 'the environment sets the proxy', skipped: [] };
  if (apiUrl === null) return { env: {}, note: 'demo mode: no remote to reach', skipped: [] };
  const name = proxyVariableFor(apiUrl);
  if (name === null) return { env: {}, note: 'the API URL has no HTTP scheme', skipped: [] };
  if (pacResult === null) return { env: {}, note: 'the system proxy could not be resolved; connecting directly', skipped: [] };
  const choice = parsePacResult(pacResult);
  if (choice.proxy === null) {
    const note = choice.skipped.length > 0 ? 'the system proxy is not an HTTP proxy; connecting directly' : 'the system says direct';
    return { env: {}, note, skipped: choice.skipped };
  }
  return { env: { [name]: choice.proxy }, note: `using the system proxy ${choice.proxy}`, skipped: choice.skipped };
}
