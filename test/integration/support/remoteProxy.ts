/**
 * A loopback HTTP proxy in front of the emulator that behaves like a differently built remote:
 * it can rewrite JSON answers (drop `total`), act between requests (edit a rating while a
 * download is under way) and counts what passed. A connection the emulator drops (a lost
 * reply) is dropped towards the client too.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

export interface ProxiedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface ProxyHooks {
  /**
   * Runs before the request is forwarded (e.g. changes the remote mid-download); an answer it
   * returns is sent instead of forwarding. `seen` counts requests so far, this one included.
   */
  before?: (req: ProxiedRequest, seen: number) => Promise<{ status: number; body: unknown } | void> | { status: number; body: unknown } | void;
  /** Rewrites a JSON answer on its way back. */
  rewrite?: (req: ProxiedRequest, status: number, body: unknown) => unknown;
}

export interface RemoteProxy {
  /** The proxy's base URL (same paths as the emulator's). */
  baseUrl: string;
  requests: ProxiedRequest[];
  hooks: ProxyHooks;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startRemoteProxy(targetBaseUrl: string, hooks: ProxyHooks = {}): Promise<RemoteProxy> {
  const requests: ProxiedRequest[] = [];
  const proxy: RemoteProxy = { baseUrl: '', requests, hooks, close: async () => undefined };
  const server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://proxy');
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      const seen: ProxiedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body };
      requests.push(seen);
      const own = await proxy.hooks.before?.(seen, requests.length);
      if (own) {
        res.writeHead(own.status, { 'content-type': 'application/json' }).end(JSON.stringify(own.body));
        return;
      }
      let upstream;
      try {
        upstream = await request(`${targetBaseUrl}${url.pathname}${url.search}`, {
          method: seen.method as 'GET',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: text === '' ? undefined : text,
        });
      } catch {
        res.socket?.destroy(); // the emulator dropped the connection: so do we
        return;
      }
      let answer: string;
      try {
        answer = await upstream.body.text();
      } catch {
        res.socket?.destroy();
        return;
      }
      let out = answer;
      if (proxy.hooks.rewrite) {
        try {
          out = JSON.stringify(proxy.hooks.rewrite(seen, upstream.statusCode, JSON.parse(answer)));
        } catch {
          /* not JSON: passed on as is */
        }
      }
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const retryAfter = upstream.headers['retry-after'];
      if (typeof retryAfter === 'string') headers['retry-after'] = retryAfter;
      // The origin's clock, as a proxy passes it on (else Node would stamp the proxy's own).
      const date = upstream.headers.date;
      if (typeof date === 'string') headers.date = date;
      res.writeHead(upstream.statusCode, headers).end(out);
    })().catch(() => res.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
