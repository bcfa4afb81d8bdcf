/** The engine in this process behind the desktop's link: its live events, the bridge's requests. */
import { afterEach, describe, expect, it } from 'vitest';
import type { LiveEventName } from '../../engine/contracts/localHttpApi.js';
import { silentLogger } from '../../engine/log/index.js';
import type { EngineLink } from '../../electron/engineLink.js';
import { inProcessLink } from '../../electron/inProcessLink.js';
import { bridgeResponse } from '../../electron/model/bridgeRequest.js';
import { waitFor } from '../support/waitFor.js';
import { startDesktopEngine, syncNow, type DesktopEngine } from './support/desktopEngine.js';

let d: DesktopEngine | null = null;
let link: EngineLink | null = null;
afterEach(async () => {
  await link?.close();
  await d?.close();
  link = null;
  d = null;
});

describe('in-process link', () => {
  it('passes the live events on under the stream’s names, with throttled status snapshots', async () => {
    d = await startDesktopEngine();
    link = inProcessLink(d.engine, { log: silentLogger, statusThrottleMs: 100 });
    const seen: Array<{ name: LiveEventName; at: number; data: unknown }> = [];
    link.onEvent((name, data) => seen.push({ name, at: Date.now(), data }));
    await syncNow(d.engine);
    await waitFor(() => seen.some((e) => e.name === 'status' && (e.data as { sync: { last_sync: string | null } }).sync.last_sync !== null), 5_000, 10);
    expect(seen.find((e) => e.name === 'sync.finished')?.data).toMatchObject({ result: 'success' });
    const statuses = seen.filter((e) => e.name === 'status');
    for (let i = 1; i < statuses.length; i++) expect(statuses[i]!.at - statuses[i - 1]!.at).toBeGreaterThanOrEqual(90);
    // engine-internal events (catalogue counts, socket messages) stay inside
    expect(seen.every((e) => ['status', 'sync.progress', 'sync.finished', 'websocket.state', 'ratings.status', 'conflicts.counts', 'sync.error', 'config.changed'].includes(e.name))).toBe(true);
  });

  it('carries the admin token for the window’s requests when the API asks for one', async () => {
    d = await startDesktopEngine({ env: { ATOM_SYNC_ADMIN_TOKEN: 'local-admin-secret' } });
    link = inProcessLink(d.engine, { log: silentLogger });
    expect((await d.engine.dispatch({ method: 'GET', path: '/api/admin/sync/status' })).status).toBe(401);
    const answer = bridgeResponse(await link.dispatch({ method: 'GET', path: '/api/admin/sync/status' }));
    expect(answer.status).toBe(200);
    const saved = bridgeResponse(await link.dispatch({ method: 'PUT', path: '/api/admin/sync/config', body: { sync_interval_minutes: 45 } }));
    expect(saved.status).toBe(200);
    expect(link.settings().syncIntervalMinutes).toBe(45);
    expect(d.persistence.load()).toMatchObject({ ATOM_SAAS_SYNC_INTERVAL_MINUTES: '45' });
  });
});
