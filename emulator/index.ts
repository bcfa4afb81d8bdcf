/**
 * Atom SaaS emulator: a local stand-in for the marketplace API and satellite WebSocket, used by
 * demo mode and as the real peer of integration tests. `startEmulator()` runs it in-process.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { RemoteSkill } from '../engine/contracts/remote.js';
import type { EmulatorFaults, EmulatorMutation, EmulatorMutationResult, EmulatorRatingsResponse, EmulatorStats } from './types.js';
import { controlRoutes, statsOf } from './controlRoutes.js';
import { EmulatorCore } from './core.js';
import { MAX_SKILL_INDEX } from './dataset.js';
import { sendError } from './httpReply.js';
import { marketplaceRoutes } from './marketplaceRoutes.js';
import { applyMutation } from './mutations.js';
import { SocketHub } from './socketHub.js';
import { EmulatorInputError, parseFaults, parseMutation } from './validation.js';

export type { EmulatorFaults, EmulatorMutation, EmulatorMutationResult, EmulatorRatingsResponse, EmulatorStats } from './types.js';
export { EmulatorInputError } from './validation.js';

export const API_BASE_PATH = '/api/v1/marketplace';
export const WS_PATH = '/api/ws/satellite/connect';
export const CONTROL_PATH = '/__emulator';

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  skills?: number;
  categories?: number;
  seed?: number;
  /** When set, marketplace requests and sockets must present it. */
  token?: string;
  /** Average seeded ratings per skill (each skill gets 0..2×this). Default 2. */
  ratingsPerSkill?: number;
  /** Wall clock (ms) behind updated_at stamps; made strictly increasing. Default Date.now. */
  now?: () => number;
}

export interface EmulatorHandle {
  /** http://HOST:PORT/api/v1/marketplace */
  apiUrl: string;
  /** ws://HOST:PORT/api/ws/satellite/connect */
  wsUrl: string;
  /** http://HOST:PORT */
  baseUrl: string;
  port: number;
  setFaults(faults: EmulatorFaults): EmulatorFaults;
  mutate(mutation: EmulatorMutation): EmulatorMutationResult;
  receivedRatings(): EmulatorRatingsResponse;
  /** Back to the seeded state; faults and received ratings cleared. */
  reset(): void;
  /** Live (not deleted) skills. */
  skillCount(): number;
  /** Live skills in skill_id order. */
  liveSkills(): Iterable<RemoteSkill>;
  /** Marketplace HTTP requests seen so far. */
  requestCount(): number;
  /** Terminates every open socket now. */
  dropSockets(): void;
  /** WebSocket connections accepted so far. */
  wsConnections(): number;
  /** What GET /__emulator/stats answers. */
  stats(): EmulatorStats;
  close(): Promise<void>;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const settings = checkOptions(opts);
  const core = new EmulatorCore({ ...settings, now: opts.now ?? Date.now });
  const hub = new SocketHub({ path: WS_PATH, token: opts.token, faults: () => core.faults, now: () => core.serverNow() });
  core.push = (message) => hub.broadcast(message);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(API_BASE_PATH, marketplaceRoutes(core, opts.token));
  app.use(CONTROL_PATH, controlRoutes({ core, wsClients: () => hub.openCount }));
  app.use((_req, res) => sendError(res, 404, 'not_found', `the marketplace lives under ${API_BASE_PATH}`));

  const server = createServer(app);
  server.keepAliveTimeout = 30_000;
  server.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head));
  await listen(server, settings.port, settings.host);

  const port = (server.address() as AddressInfo).port;
  const host = urlHost(settings.host);
  const baseUrl = `http://${host}:${port}`;
  let closing: Promise<void> | null = null;
  return {
    apiUrl: `${baseUrl}${API_BASE_PATH}`,
    wsUrl: `ws://${host}:${port}${WS_PATH}`,
    baseUrl,
    port,
    setFaults: (faults) => core.setFaults(parseFaults(faults)),
    mutate: (mutation) => applyMutation(core, parseMutation(mutation)),
    receivedRatings: () => core.ratings.receivedReport(),
    reset: () => core.reset(),
    skillCount: () => core.catalogue.liveCount,
    liveSkills: () => core.catalogue.liveSkills(),
    requestCount: () => core.requests,
    dropSockets: () => hub.dropAll(),
    wsConnections: () => hub.connectionsSeen,
    stats: () => statsOf(core, hub.openCount),
    close: () => (closing ??= shutdown(server, hub)),
  };
}

function checkOptions(opts: EmulatorOptions) {
  const settings = {
    port: opts.port ?? 0,
    host: opts.host ?? '127.0.0.1',
    skills: opts.skills ?? 500,
    categories: opts.categories ?? 20,
    seed: opts.seed ?? 1,
    ratingsPerSkill: opts.ratingsPerSkill ?? 2,
  };
  const intIn = (name: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new EmulatorInputError(`${name} must be an integer from ${min} to ${max} (got ${value})`);
    }
  };
  intIn('port', settings.port, 0, 65_535);
  intIn('skills', settings.skills, 0, MAX_SKILL_INDEX);
  intIn('categories', settings.categories, 1, 1000);
  intIn('seed', settings.seed, 0, 2 ** 32 - 1);
  intIn('ratingsPerSkill', settings.ratingsPerSkill, 0, 50);
  if (settings.host.trim() === '') throw new EmulatorInputError('host must not be empty');
  if (opts.token !== undefined && opts.token === '') throw new EmulatorInputError('token must not be empty when given');
  return settings;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** URLs must name an address a client can dial, and bracket IPv6. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

async function shutdown(server: Server, hub: SocketHub): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  await hub.close();
  server.closeAllConnections();
  await closed;
}
