/**
 * "Test connection" against real loopback servers: each outcome from a real call (the emulator's
 * auth, a self-signed HTTPS server, a server that never answers, a closed port, a proxy that
 * wants credentials), and the admin route that runs it.
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import net, { type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { connectionRoutes } from '../../engine/api/connectionRoutes.js';
import { errorHandler } from '../../engine/api/errors.js';
import { loadConfig, publicConfig, type Config, type ProxySettings } from '../../engine/config/index.js';
import type { PublicConfig } from '../../engine/contracts/publicConfig.js';
import type { ConnectionTestResult } from '../../engine/contracts/localHttpApi.js';
import { silentLogger } from '../../engine/log/index.js';
import { testConnection, type ConnectionTestInput } from '../../engine/remote/connectionTest.js';
import { forwardProxyAvailable, startForwardProxy, type ForwardProxy } from '../support/forwardProxy.js';
import { tempDir } from '../support/tempDir.js';

const TOKEN = 'tok-right-7f3a9c';
const DIRECT: ProxySettings = { httpsProxy: null, httpProxy: null, noProxy: null };

let emulator: EmulatorHandle;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ skills: 42, token: TOKEN });
});
afterAll(async () => {
  await emulator.close();
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function probe(overrides: Partial<ConnectionTestInput> = {}): Promise<ConnectionTestResult> {
  return testConnection({ apiUrl: emulator.apiUrl, token: TOKEN, proxy: DIRECT, timeoutMs: 5_000, instanceId: 'conn-test', ...overrides });
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        (server as http.Server).closeAllConnections?.();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('testConnection against real servers', () => {
  it('OK: the token is accepted and the catalogue size is the remote total', async () => {
    const result = await probe();
    expect(result).toMatchObject({ ok: true, outcome: 'ok', status: 200, catalogue_size: 42 });
    expect(result.message).toBe(`Connected to 127.0.0.1:${emulator.port}: the token was accepted and the catalogue has 42 skills.`);
    expect(result.elapsed_ms).toBeGreaterThanOrEqual(0);
  });

  it('a wrong token: auth (401), naming the host and never the token', async () => {
    const wrong = 'tok-wrong-0000';
    const result = await probe({ token: wrong });
    expect(result).toMatchObject({ ok: false, outcome: 'auth', status: 401, catalogue_size: null });
    expect(result.message).toBe(`127.0.0.1:${emulator.port} refused the API token (HTTP 401): check the token, copied whole from your Atom SaaS account, and try again.`);
    expect(JSON.stringify(result)).not.toContain(wrong);
  });

  it('no token where one is needed: auth, saying to set one', async () => {
    const result = await probe({ token: null });
    expect(result).toMatchObject({ outcome: 'auth', status: 401 });
    expect(result.message).toMatch(/asks for an API token \(HTTP 401\): enter the token/);
  });

  it('a self-signed HTTPS server: tls', async () => {
    const tmp = tempDir('atom-sync-tls-');
    closers.push(async () => tmp.cleanup());
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', tmp.file('key.pem'), '-out', tmp.file('cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
    let reached = 0;
    const server = https.createServer({ key: readFileSync(tmp.file('key.pem')), cert: readFileSync(tmp.file('cert.pem')) }, (_req, res) => {
      reached++;
      res.end('{}');
    });
    server.on('tlsClientError', () => undefined);
    const port = await listen(server);
    const result = await probe({ apiUrl: `https://127.0.0.1:${port}/api/v1/marketplace` });
    expect(result).toMatchObject({ ok: false, outcome: 'tls', status: null });
    expect(result.message).toMatch(new RegExp(`^The certificate of 127\\.0\\.0\\.1:${port} is self-signed or from an authority this machine does not trust`));
    expect(reached).toBe(0);
  });

  it('https:// to a plain HTTP server: tls, saying it does not speak TLS', async () => {
    const result = await probe({ apiUrl: emulator.apiUrl.replace('http://', 'https://') });
    expect(result).toMatchObject({ outcome: 'tls' });
    expect(result.message).toMatch(/did not answer with TLS: if the server speaks plain HTTP, the address should start with http:\/\//);
  });

  it('a server that accepts and never answers: timeout, within the limit', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s));
    const port = await listen(server);
    closers.push(async () => sockets.forEach((s) => s.destroy()));
    const result = await probe({ apiUrl: `http://127.0.0.1:${port}/api/v1/marketplace`, timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, outcome: 'timeout', status: null });
    expect(result.message).toBe(`127.0.0.1:${port} did not answer within 300 ms: check the address, the network.`);
    expect(result.elapsed_ms).toBeGreaterThanOrEqual(250);
    expect(result.elapsed_ms).toBeLessThan(3_000);
    expect(sockets.length).toBe(1);
  });

  it('a closed port: unreachable', async () => {
    const port = await closedPort();
    const result = await probe({ apiUrl: `http://127.0.0.1:${port}/api/v1/marketplace` });
    expect(result).toMatchObject({ ok: false, outcome: 'unreachable', status: null });
    expect(result.message).toBe(`Could not connect to 127.0.0.1:${port} (the connection was refused): check the address and that the service is up.`);
  });

  it('a host DNS cannot find: host_not_found (the lookup injected, as real DNS cannot run here)', async () => {
    const asked: string[] = [];
    const lookup = ((hostname: string, _options: unknown, callback: (err: Error | null) => void) => {
      asked.push(hostname);
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname, syscall: 'getaddrinfo' }));
    }) as unknown as LookupFunction;
    const result = await probe({ apiUrl: 'https://atom.example.invalid/api/v1/marketplace', lookup });
    expect(result).toMatchObject({ ok: false, outcome: 'host_not_found', status: null });
    expect(result.message).toBe("The host atom.example.invalid could not be found: check the API URL and this machine's DNS.");
    expect(asked).toContain('atom.example.invalid');
  });

  it('an address that is not the marketplace API: http_error (404) or invalid_response', async () => {
    const notFound = await probe({ apiUrl: emulator.baseUrl });
    expect(notFound).toMatchObject({ ok: false, outcome: 'http_error', status: 404 });
    expect(notFound.message).toMatch(/has no skill list at this address \(HTTP 404\)/);

    const server = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<html>a login page</html>');
    });
    const port = await listen(server);
    const html = await probe({ apiUrl: `http://127.0.0.1:${port}` });
    expect(html).toMatchObject({ ok: false, outcome: 'invalid_response', status: 200 });
    expect(html.message).toBe(`127.0.0.1:${port} answered, but not with JSON: the address is probably not the Atom SaaS marketplace API.`);
  });

  it('a server error: http_error with its status', async () => {
    const server = http.createServer((_req, res) => {
      res.statusCode = 503;
      res.end('{"detail":"maintenance"}');
    });
    const port = await listen(server);
    const result = await probe({ apiUrl: `http://127.0.0.1:${port}` });
    expect(result).toMatchObject({ ok: false, outcome: 'http_error', status: 503 });
  });
});

describe.skipIf(!forwardProxyAvailable())('testConnection through a forward proxy', () => {
  let proxy: ForwardProxy;
  beforeAll(async () => {
    proxy = await startForwardProxy({ auth: { user: 'ops', password: 'pr0xy-secret' } });
  });
  afterAll(async () => {
    await proxy.stop();
  });

  it('OK through the proxy with its credentials', async () => {
    const before = proxy.tunnelsTo(`127.0.0.1:${emulator.port}`);
    const result = await probe({ proxy: { httpProxy: proxy.urlWith('ops', 'pr0xy-secret'), httpsProxy: null, noProxy: null } });
    expect(result).toMatchObject({ ok: true, outcome: 'ok', catalogue_size: 42 });
    expect(proxy.tunnelsTo(`127.0.0.1:${emulator.port}`)).toBe(before + 1);
  });

  it('missing proxy credentials: proxy_auth (407), saying where to set them', async () => {
    const result = await probe({ proxy: { httpProxy: proxy.url, httpsProxy: null, noProxy: null } });
    expect(result).toMatchObject({ ok: false, outcome: 'proxy_auth', status: 407, catalogue_size: null });
    expect(result.message).toBe(`The proxy at ${proxy.url} asked for credentials (407): set them in HTTP_PROXY as http://user:password@127.0.0.1:${proxy.port}.`);
  });

  it('wrong proxy credentials: proxy_auth, the password never shown', async () => {
    const result = await probe({ proxy: { httpProxy: proxy.urlWith('ops', 'not-the-password'), httpsProxy: null, noProxy: null } });
    expect(result).toMatchObject({ ok: false, outcome: 'proxy_auth' });
    expect(result.message).toMatch(/^The proxy at http:\/\/\*\*\*@127\.0\.0\.1:\d+ refused the credentials \(40[17]\): check the user and password in HTTP_PROXY\.$/);
    expect(JSON.stringify(result)).not.toContain('not-the-password');
  });

  it('a proxy that is not running: unreachable, naming the proxy', async () => {
    const port = await closedPort();
    const result = await probe({ proxy: { httpProxy: `http://127.0.0.1:${port}`, httpsProxy: null, noProxy: null } });
    expect(result).toMatchObject({ ok: false, outcome: 'unreachable' });
    expect(result.message).toBe(`The proxy at http://127.0.0.1:${port} refused the connection: check HTTP_PROXY and that the proxy is running.`);
  });
});

describe('POST /test-connection', () => {
  async function startRoute(deps: { config: Config; publicConfig: () => PublicConfig }): Promise<string> {
    const app = express();
    app.use(express.json());
    app.use(connectionRoutes(deps, silentLogger));
    app.use(errorHandler(silentLogger));
    const port = await listen(http.createServer(app));
    return `http://127.0.0.1:${port}/test-connection`;
  }
  const post = async (url: string, body?: unknown, method = 'POST') => {
    const res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const configFor = (env: Record<string, string>) => loadConfig({ ATOM_DB_PATH: '/nonexistent/atom.db', ...env }, '/');

  it('refuses an api_url that is not an absolute http(s) URL: 400 invalid_setting on api_url', async () => {
    const config = configFor({ ATOM_SAAS_API_URL: emulator.apiUrl });
    const url = await startRoute({ config, publicConfig: () => publicConfig(config) });
    for (const bad of ['not a url', 'ftp://example.com/api', '/api/v1/marketplace']) {
      const reply = await post(url, { api_url: bad });
      expect(reply.status, bad).toBe(400);
      expect(reply.body).toMatchObject({ error: 'invalid_setting', field: 'api_url' });
      expect(String(reply.body.detail)).toMatch(/api_url must be/);
    }
    expect((await post(url, { api_url: emulator.apiUrl, extra: 1 })).status).toBe(400);
    expect((await post(url, undefined, 'GET')).status).toBe(405);
  });

  it('tests the saved settings when the body leaves them out, read at each call', async () => {
    const deps = { config: configFor({ ATOM_SAAS_API_URL: emulator.apiUrl, ATOM_SAAS_API_TOKEN: 'saved-but-wrong' }), publicConfig: () => publicConfig(deps.config) };
    const url = await startRoute(deps);
    const refused = await post(url, {});
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ ok: false, outcome: 'auth', status: 401 });

    deps.config = configFor({ ATOM_SAAS_API_URL: emulator.apiUrl, ATOM_SAAS_API_TOKEN: TOKEN });
    const accepted = await post(url);
    expect(accepted.body).toMatchObject({ ok: true, outcome: 'ok', catalogue_size: 42 });
  });

  it('tests what the body gives (address and token), answering 200 whatever the outcome', async () => {
    const config = configFor({});
    const url = await startRoute({ config, publicConfig: () => publicConfig(config) });
    const ok = await post(url, { api_url: `${emulator.apiUrl}/`, api_token: TOKEN });
    expect(ok).toMatchObject({ status: 200, body: { ok: true, catalogue_size: 42 } });
    const down = await post(url, { api_url: `http://127.0.0.1:${await closedPort()}`, api_token: TOKEN });
    expect(down).toMatchObject({ status: 200, body: { ok: false, outcome: 'unreachable' } });
    expect(JSON.stringify(down.body)).not.toContain(TOKEN);
  });

  it('in demo mode without an api_url, tests the emulator the engine runs', async () => {
    const demo = await startEmulator({ skills: 9 });
    closers.push(() => demo.close());
    const config = configFor({});
    expect(config.apiUrl).toBeNull();
    const url = await startRoute({ config, publicConfig: () => publicConfig(config, demo.apiUrl, demo.wsUrl) });
    const reply = await post(url, {});
    expect(reply.body).toMatchObject({ ok: true, outcome: 'ok', catalogue_size: 9 });
  });
});
