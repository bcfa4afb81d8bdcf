/**
 * The engine's HTTP and WebSocket clients behind a real forward proxy (tinyproxy on loopback):
 * the calls go through it (its log shows the tunnels), fail when it is not there, pass its
 * authentication with the right credentials, fail with kind proxy_auth without them, and go
 * direct for a host NO_PROXY covers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { systemClock } from '../../engine/clock.js';
import type { ProxySettings } from '../../engine/config/index.js';
import { RemoteError } from '../../engine/errors.js';
import { EngineEvents } from '../../engine/events.js';
import { silentLogger } from '../../engine/log/index.js';
import { createMarketplaceClient } from '../../engine/remote/marketplaceClient.js';
import { RealtimeClient } from '../../engine/remote/realtimeClient.js';
import type { MarketplaceClient } from '../../engine/remote/types.js';
import { forwardProxyAvailable, startForwardProxy, type ForwardProxy } from '../support/forwardProxy.js';
import { ManualClock } from '../support/manualClock.js';
import { waitFor } from '../support/waitFor.js';

const SECRET = 'p4ss-w0rd-not-for-logs';

let emulator: EmulatorHandle | null = null;
let proxy: ForwardProxy | null = null;
let client: MarketplaceClient | null = null;
let socket: RealtimeClient | null = null;

afterEach(async () => {
  socket?.stop();
  socket = null;
  await client?.close();
  client = null;
  await proxy?.stop();
  proxy = null;
  await emulator?.close();
  emulator = null;
});

const via = (httpProxy: string, noProxy: string | null = null): ProxySettings => ({ httpProxy, httpsProxy: null, noProxy });

function httpClient(settings: ProxySettings, retries: number[] = []): MarketplaceClient {
  return createMarketplaceClient({
    apiUrl: emulator!.apiUrl,
    token: null,
    instanceId: 'proxy-test',
    timeoutMs: 5_000,
    clock: systemClock,
    log: silentLogger,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    onRetry: (_e, attempt) => retries.push(attempt),
    proxy: settings,
  });
}

function wsClient(settings: ProxySettings, clock = new ManualClock()): RealtimeClient {
  return new RealtimeClient({
    url: emulator!.wsUrl,
    token: null,
    instanceId: 'proxy-test',
    enabled: true,
    backoffMaxSeconds: 30,
    clock,
    log: silentLogger,
    events: new EngineEvents(),
    random: () => 0.5,
    onMessage: () => undefined,
    onReconnected: () => undefined,
    proxy: settings,
  });
}

async function rejection(promise: Promise<unknown>): Promise<RemoteError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RemoteError);
  return error as RemoteError;
}

describe.skipIf(!forwardProxyAvailable())('HTTP and WebSocket clients behind a forward proxy', () => {
  it('sends the catalogue calls and the socket through the proxy', async () => {
    emulator = await startEmulator({ skills: 25 });
    proxy = await startForwardProxy();
    const target = `127.0.0.1:${emulator.port}`;
    client = httpClient(via(proxy.url));
    const page = await client.listSkills({ page: 1, pageSize: 10 });
    expect(page.total).toBe(25);
    expect(page.skills).toHaveLength(10);
    expect(proxy.tunnelsTo(target)).toBe(1);

    const tunnelsBefore = proxy.tunnelsTo(target);
    socket = wsClient(via(proxy.url));
    socket.start();
    await waitFor(() => socket!.status().connected, 5_000);
    expect(emulator.wsConnections()).toBe(1);
    expect(proxy.tunnelsTo(target)).toBe(tunnelsBefore + 1);
    // Nothing went direct: every request the proxy saw was a tunnel to the emulator.
    expect(proxy.requests().every((r) => r.startsWith(`CONNECT ${target} `))).toBe(true);
  });

  it('fails when the proxy is not there instead of going direct', async () => {
    emulator = await startEmulator({ skills: 5 });
    const gone = await startForwardProxy();
    const closedUrl = gone.url;
    await gone.stop();
    client = httpClient(via(closedUrl));
    const error = await rejection(client.listSkills({ page: 1, pageSize: 10 }));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(emulator.requestCount()).toBe(0);

    const clock = new ManualClock();
    socket = wsClient(via(closedUrl), clock);
    socket.start();
    await waitFor(() => socket!.status().state === 'backoff' && clock.pendingDelays().length === 1, 5_000);
    expect(socket.status().last_error).toMatch(/ECONNREFUSED/);
    expect(emulator.wsConnections()).toBe(0);
  });

  it('passes proxy authentication with the credentials in the proxy URL', async () => {
    emulator = await startEmulator({ skills: 7 });
    proxy = await startForwardProxy({ auth: { user: 'alice', password: SECRET } });
    const settings = via(proxy.urlWith('alice', SECRET));
    client = httpClient(settings);
    expect((await client.listSkills({ page: 1, pageSize: 50 })).total).toBe(7);
    socket = wsClient(settings);
    socket.start();
    await waitFor(() => socket!.status().connected, 5_000);
    expect(proxy.established()).toBe(2);
  });

  it('missing proxy credentials: kind proxy_auth with what to set, asked once, not retried', async () => {
    emulator = await startEmulator({ skills: 3 });
    proxy = await startForwardProxy({ auth: { user: 'alice', password: SECRET } });
    const retries: number[] = [];
    client = httpClient(via(proxy.url), retries);
    const error = await rejection(client.listSkills({ page: 1, pageSize: 10 }));
    expect(error.kind).toBe('proxy_auth');
    expect(error.status).toBe(407);
    expect(error.transient).toBe(false);
    expect(error.message).toBe(
      `the proxy at ${proxy.url} asked for credentials (407): set them in HTTP_PROXY as http://user:password@127.0.0.1:${proxy.port}`,
    );
    expect(retries).toEqual([]);
    expect(proxy.tunnelsTo(`127.0.0.1:${emulator.port}`)).toBe(1);
    expect(emulator.requestCount()).toBe(0);
  });

  it('wrong proxy credentials: kind proxy_auth over HTTP and on the socket, the password never shown', async () => {
    emulator = await startEmulator({ skills: 3 });
    proxy = await startForwardProxy({ auth: { user: 'alice', password: SECRET } });
    const settings = via(proxy.urlWith('alice', `${SECRET}-wrong`));
    client = httpClient(settings);
    const error = await rejection(client.listSkills({ page: 1, pageSize: 10 }));
    expect(error.kind).toBe('proxy_auth');
    // tinyproxy answers wrong credentials with 401 (missing ones with 407): on a CONNECT both are the proxy's.
    expect(error.status).toBe(401);
    expect(error.message).toBe(`the proxy at http://***@127.0.0.1:${proxy.port} refused the credentials (401): check the user and password in HTTP_PROXY`);
    expect(error.message).not.toContain(SECRET);

    const clock = new ManualClock();
    socket = wsClient(settings, clock);
    socket.start();
    await waitFor(() => socket!.status().state === 'backoff' && clock.pendingDelays().length === 1, 5_000);
    const status = socket.status();
    expect(status.state).toBe('backoff');
    expect(status.last_error).toBe(error.message);
    // Not the token's fault (not auth_failed), but no fast retries with the same wrong password.
    expect(clock.pendingDelays()).toEqual([30_000]);
    expect(emulator.wsConnections()).toBe(0);
    expect(JSON.stringify(status)).not.toContain(SECRET);
  });

  it('goes direct for a host NO_PROXY covers, and only for that one', async () => {
    emulator = await startEmulator({ skills: 4 });
    proxy = await startForwardProxy();
    const target = `127.0.0.1:${emulator.port}`;
    client = httpClient(via(proxy.url, 'localhost, 127.0.0.1'));
    expect((await client.listSkills({ page: 1, pageSize: 10 })).total).toBe(4);
    socket = wsClient(via(proxy.url, 'localhost, 127.0.0.1'));
    socket.start();
    await waitFor(() => socket!.status().connected, 5_000);
    expect(emulator.wsConnections()).toBe(1);
    expect(proxy.requests()).toEqual([]);
    socket.stop();
    await client.close();

    // An entry for another port of the same host does not cover this one.
    const otherPort = emulator.port === 65_535 ? 65_534 : emulator.port + 1;
    client = httpClient(via(proxy.url, `127.0.0.1:${otherPort}`));
    expect((await client.listSkills({ page: 1, pageSize: 10 })).total).toBe(4);
    socket = wsClient(via(proxy.url, `127.0.0.1:${otherPort}`));
    socket.start();
    await waitFor(() => socket!.status().connected, 5_000);
    expect(proxy.tunnelsTo(target)).toBe(2);
  });
});
