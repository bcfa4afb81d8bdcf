/**
 * The case the attach exists for: the headless daemon (its own process, as systemd runs it)
 * already serves the database on our port. The desktop's probe finds it, the decision is to
 * attach, and the attached link reads it, hears it and drives it over loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import type { LiveEventName } from '../../engine/contracts/localHttpApi.js';
import { silentLogger } from '../../engine/log/index.js';
import { AttachedLink } from '../../electron/attachedLink.js';
import { probeDaemon } from '../../electron/daemonProbe.js';
import { attachDecision } from '../../electron/model/attachDecision.js';
import { bridgeResponse } from '../../electron/model/bridgeRequest.js';
import { startDaemon, type RunningDaemon } from '../support/runningDaemon.js';
import { tempDir } from '../support/tempDir.js';
import { waitFor } from '../support/waitFor.js';

let tmp: ReturnType<typeof tempDir>;
let emulator: EmulatorHandle;
let daemon: RunningDaemon;
let link: AttachedLink | null = null;

beforeAll(async () => {
  tmp = tempDir('atom-attach-');
  emulator = await startEmulator({ skills: 25, categories: 4, seed: 5 });
  daemon = await startDaemon({
    ATOM_SAAS_API_URL: emulator.apiUrl,
    ATOM_SAAS_WS_URL: emulator.wsUrl,
    ATOM_DB_PATH: tmp.file('atom-sync.db'),
    ATOM_LOG_PATH: tmp.file('logs/atom-sync.log'),
    ATOM_ENV_FILE: tmp.file('none.env'),
  });
}, 60_000);
afterAll(async () => {
  await link?.close();
  await daemon?.stop();
  await emulator?.close();
  tmp?.cleanup();
}, 30_000);

describe('attaching to the running daemon', () => {
  it('is what the desktop decides, and then it reads, hears and drives the daemon', async () => {
    const port = Number(new URL(daemon.url).port);
    const probe = await probeDaemon('127.0.0.1', port, null);
    const decision = attachDecision(probe, { dbPath: tmp.file('atom-sync.db'), port, platform: process.platform });
    expect(decision).toEqual({ action: 'attach', url: `http://127.0.0.1:${port}` });
    if (decision.action !== 'attach') return;

    link = await AttachedLink.connect({ url: decision.url, adminToken: null, log: silentLogger });
    expect(link.snapshot().api.listening).toBe(true);
    const heard: LiveEventName[] = [];
    link.onEvent((name) => heard.push(name));

    // the daemon syncs at start; wait for it to be idle, then ask for another run through the link
    await waitFor(() => link!.snapshot().sync.last_sync !== null && link!.snapshot().sync.status === 'idle', 20_000, 50);
    const before = link.snapshot().sync.last_sync;
    heard.length = 0;
    expect(await link.syncNow()).toBeNull();
    await waitFor(() => heard.includes('sync.finished'), 20_000, 20);
    await waitFor(() => heard.includes('status') && link!.snapshot().sync.last_sync !== before, 20_000, 20);
    expect(link.snapshot().sync.skills_cached).toBe(25);

    const paused = bridgeResponse(await link.dispatch({ method: 'POST', path: '/api/admin/sync/pause', body: { minutes: 5 } }));
    expect(paused.status).toBe(202);
    const status = await daemon.call<{ paused: boolean; paused_until: string | null }>('GET', '/api/admin/sync/status');
    expect(status.body.paused).toBe(true);
    expect(status.body.paused_until).not.toBeNull();
    await link.resume();
    expect((await daemon.call<{ paused: boolean }>('GET', '/api/admin/sync/status')).body.paused).toBe(false);
  });

  it('is refused for a desktop configured with another database', async () => {
    const port = Number(new URL(daemon.url).port);
    const decision = attachDecision(await probeDaemon('127.0.0.1', port, null), { dbPath: tmp.file('elsewhere.db'), port, platform: process.platform });
    expect(decision).toMatchObject({ action: 'refuse', title: 'Another Atom Sync uses this port' });
  });
});
