/**
 * Attaching to an engine that already runs: a real engine listening on loopback (the daemon's
 * API), and the desktop's attached link reading its snapshot and settings, hearing its event
 * stream, forwarding the window's requests and the tray's commands, and noticing when it goes.
 */
import { existsSync, statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveEventName } from '../../engine/contracts/localHttpApi.js';
import { silentLogger } from '../../engine/log/index.js';
import { AttachedLink } from '../../electron/attachedLink.js';
import { probeDaemon } from '../../electron/daemonProbe.js';
import type { NewConflict } from '../../electron/model/notificationPolicy.js';
import { attachDecision } from '../../electron/model/attachDecision.js';
import { bridgeResponse } from '../../electron/model/bridgeRequest.js';
import { PAUSE_HOUR_MS } from '../../electron/model/trayModel.js';
import { waitFor } from '../support/waitFor.js';
import { clashOnCode, startDesktopEngine, syncNow, type DesktopEngine } from './support/desktopEngine.js';

let d: DesktopEngine;
let link: AttachedLink | null = null;
const port = () => Number(new URL(d.engine.url!).port);

beforeEach(async () => {
  d = await startDesktopEngine();
});
afterEach(async () => {
  await link?.close();
  link = null;
  await d.close();
});

async function attach(): Promise<AttachedLink> {
  link = await AttachedLink.connect({ url: d.engine.url!, adminToken: null, log: silentLogger, maxRetryMs: 200 });
  return link;
}

describe('the probe on our port', () => {
  it('finds the running engine and its database, and decides to attach only for the same file', async () => {
    const probe = await probeDaemon('127.0.0.1', port(), null);
    expect(probe).toEqual({ kind: 'atom-sync', url: `http://127.0.0.1:${port()}`, dbPath: d.dbPath });
    expect(attachDecision(probe, { dbPath: d.dbPath, port: port(), platform: 'linux' })).toEqual({ action: 'attach', url: `http://127.0.0.1:${port()}` });
    expect(attachDecision(probe, { dbPath: `${d.dir}/other.db`, port: port(), platform: 'linux' }).action).toBe('refuse');
  });

  it('finds nobody on a closed port', async () => {
    const closed = port();
    await d.engine.stop();
    expect(await probeDaemon('127.0.0.1', closed, null)).toEqual({ kind: 'none' });
  });
});

describe('attached link', () => {
  it('reads the snapshot and settings the engine serves', async () => {
    await syncNow(d.engine);
    const l = await attach();
    const own = d.engine.snapshot();
    expect(l.kind).toBe('attached');
    expect(l.attachedTo).toBe(d.engine.url);
    expect(l.snapshot().sync.skills_cached).toBe(own.sync.skills_cached);
    expect(l.snapshot().sync.last_sync).toBe(own.sync.last_sync);
    expect(l.snapshot().api.url).toBe(d.engine.url);
    expect(l.settings()).toEqual({
      notifications: d.engine.config.notifications,
      syncIntervalMinutes: d.engine.config.syncIntervalMinutes,
      logPath: d.logPath,
      demoMode: false,
      tokenConfigured: false,
    });
    expect(l.notice()).toBeNull();
  });

  it('hears the event stream: a status event after a sync is triggered, with the new snapshot', async () => {
    const l = await attach();
    const seen: Array<{ name: LiveEventName; data: unknown }> = [];
    l.onEvent((name, data) => seen.push({ name, data }));
    expect(l.snapshot().sync.last_sync).toBeNull();
    await syncNow(d.engine);
    await waitFor(() => seen.some((e) => e.name === 'sync.finished'), 10_000, 20);
    await waitFor(() => l.snapshot().sync.last_sync !== null, 10_000, 20);
    const statuses = seen.filter((e) => e.name === 'status');
    expect(statuses.length).toBeGreaterThan(0);
    expect(l.snapshot().sync.skills_cached).toBe(d.engine.snapshot().sync.skills_cached);
    expect(seen.find((e) => e.name === 'sync.finished')?.data).toMatchObject({ result: 'success' });
  });

  it('forwards the window’s requests (a POST among them) as the HTTP API answers them', async () => {
    const l = await attach();
    const paused = await l.dispatch({ method: 'POST', path: '/api/admin/sync/pause' });
    expect(bridgeResponse(paused)).toMatchObject({ status: 202, body: { accepted: true, paused: true } });
    expect(d.engine.services.scheduler.paused).toBe(true);
    const status = bridgeResponse(await l.dispatch({ method: 'GET', path: '/api/admin/sync/status' }));
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ paused: true });
    const refused = bridgeResponse(await l.dispatch({ method: 'POST', path: '/api/admin/sync/conflicts/999/resolve?strategy=local_wins' }));
    expect(refused.status).toBe(404);
    expect(refused.body).toMatchObject({ error: 'not_found' });
  });

  it('runs the tray’s commands against the daemon', async () => {
    const l = await attach();
    const before = Date.now();
    await l.pause(PAUSE_HOUR_MS);
    expect(d.engine.services.scheduler.paused).toBe(true);
    const until = Date.parse(d.engine.services.scheduler.pausedUntil() ?? '');
    expect(until).toBeGreaterThanOrEqual(before + PAUSE_HOUR_MS - 1_000);
    expect(until).toBeLessThanOrEqual(Date.now() + PAUSE_HOUR_MS + 1_000);
    await waitFor(() => l.snapshot().sync.paused_until !== null, 10_000, 20);
    expect(await l.syncNow()).toBe('sync_paused');
    await l.resume();
    expect(d.engine.services.scheduler.paused).toBe(false);
    expect(await l.syncNow()).toBeNull();
    await d.engine.services.sync.idle();
    await expect(l.reconnect()).resolves.toBeUndefined();
    await expect(l.syncRatings()).resolves.toBeUndefined();
  });

  it('changes the daemon’s settings and follows its config.changed event', async () => {
    const l = await attach();
    const heard: LiveEventName[] = [];
    l.onEvent((name) => heard.push(name));
    const config = await l.reconfigure({ notifications: 'errors' });
    expect(config.notifications).toBe('errors');
    expect(d.engine.config.notifications).toBe('errors');
    expect(d.persistence.load()).toMatchObject({ ATOM_SYNC_NOTIFICATIONS: 'errors' });
    await waitFor(() => heard.includes('config.changed'), 10_000, 20);
    expect(l.settings().notifications).toBe('errors');
    await expect(l.reconfigure({ notifications: 'loud' })).rejects.toThrow(/notifications/);
    expect(d.engine.config.notifications).toBe('errors');
  });

  it('has the daemon write a diagnostics bundle and says where', async () => {
    const l = await attach();
    const bundle = await l.writeSupportBundle();
    expect(existsSync(bundle.path)).toBe(true);
    expect(statSync(bundle.path).size).toBe(bundle.bytes);
    expect(bundle.bytes).toBeGreaterThan(0);
  });

  it('tells of a conflict that appears while attached, named, and not of those open before', async () => {
    await syncNow(d.engine);
    clashOnCode(d, 'skill-000001');
    await syncNow(d.engine, 'incremental');
    expect(d.engine.snapshot().conflicts.unresolved).toBe(1);
    const l = await attach();
    const told: NewConflict[] = [];
    l.onConflictCreated((c) => told.push(c));
    clashOnCode(d, 'skill-000002');
    await syncNow(d.engine, 'incremental');
    await waitFor(() => told.length > 0, 10_000, 20);
    expect(told).toEqual([{ id: expect.any(Number), name: expect.any(String), severity: 'critical' }]);
    expect(told[0]!.name).not.toBe('skill-000001');
    await waitFor(() => l.snapshot().conflicts.by_severity.critical === 2, 10_000, 20);
  });

  it('says the service is unreachable when it stops, and recovers when one answers again', async () => {
    const l = await attach();
    const notices: Array<string | null> = [];
    l.onEvent(() => notices.push(l.notice()));
    await d.engine.stop();
    await waitFor(() => l.notice() !== null, 10_000, 20);
    expect(l.notice()).toContain(d.engine.url!);
    expect(notices.some((n) => n !== null)).toBe(true);
    const answer = await l.dispatch({ method: 'GET', path: '/api/admin/sync/status' }).then(
      () => 'answered',
      () => 'refused',
    );
    expect(answer).toBe('refused');
  });

  it('refuses to attach to something that is not an Atom Sync API', async () => {
    await expect(AttachedLink.connect({ url: `${d.emulator.baseUrl}`, adminToken: null, log: silentLogger })).rejects.toThrow();
  });
});
