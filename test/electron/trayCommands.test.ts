/**
 * The tray's commands and the notification level against the engine in this process (a real
 * engine and emulator on loopback, settings saved by the desktop persistence). The OS side
 * effects (open a folder, reveal a file, an error box) are recorded: they need Electron's shell.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveEventName } from '../../engine/contracts/localHttpApi.js';
import { silentLogger } from '../../engine/log/index.js';
import type { EngineLink } from '../../electron/engineLink.js';
import { inProcessLink } from '../../electron/inProcessLink.js';
import { NotificationPolicy } from '../../electron/model/notificationPolicy.js';
import { SettingsStore } from '../../electron/model/settingsStore.js';
import { PAUSE_HOUR_MS, TRAY_COMMANDS, trayState, type MenuItemModel } from '../../electron/model/trayModel.js';
import { trayCommands, type TrayCommands } from '../../electron/trayCommands.js';
import { waitFor } from '../support/waitFor.js';
import { clashOnCode, startDesktopEngine, syncNow, type DesktopEngine } from './support/desktopEngine.js';

let d: DesktopEngine;
let link: EngineLink;
let policy: NotificationPolicy;
let commands: TrayCommands;
let effects: { folders: string[]; revealed: string[]; errors: string[]; quit: number; changed: number };
let loginEnabled: boolean;

beforeEach(async () => {
  d = await startDesktopEngine();
  link = inProcessLink(d.engine, { log: silentLogger, statusThrottleMs: 20 });
  policy = new NotificationPolicy(Date.now(), { level: link.settings().notifications });
  effects = { folders: [], revealed: [], errors: [], quit: 0, changed: 0 };
  loginEnabled = false;
  commands = trayCommands({
    link,
    policy,
    settings: new SettingsStore(path.join(d.dir, 'userData')),
    loginItem: { read: () => ({ enabled: loginEnabled, warning: null }), set: (on) => ({ enabled: (loginEnabled = on), warning: null }) },
    openRoute: () => undefined,
    openFolder: async (folder) => {
      effects.folders.push(folder);
      return '';
    },
    revealFile: (file) => effects.revealed.push(file),
    showError: (title, message) => effects.errors.push(`${title}: ${message}`),
    quit: () => effects.quit++,
    log: silentLogger,
    changed: () => effects.changed++,
  });
});
afterEach(async () => {
  await link.close();
  await d.close();
});

const menu = (): MenuItemModel[] => trayState(link.snapshot(), { paused: link.snapshot().sync.paused, now: Date.now(), portNotice: null }).menu;
const item = (key: string) => menu().find((m) => m.key === key);

describe('tray commands on the engine in this process', () => {
  it('pauses for an hour: the menu says until when and offers Resume, which resumes', async () => {
    await commands.run(TRAY_COMMANDS.pauseHour);
    expect(d.engine.services.scheduler.paused).toBe(true);
    const until = Date.parse(link.snapshot().sync.paused_until ?? '');
    expect(Math.abs(until - (Date.now() + PAUSE_HOUR_MS))).toBeLessThan(5_000);
    expect(item('paused-until')?.label).toMatch(/^Paused until \S/);
    expect(item('paused-until')?.label).not.toBe('Paused until resumed');
    expect(item('pause')).toMatchObject({ command: TRAY_COMMANDS.resume, label: 'Resume sync' });
    await commands.run(TRAY_COMMANDS.resume);
    expect(d.engine.services.scheduler.paused).toBe(false);
    expect(item('pause-1h')?.enabled).toBe(true);
    await commands.run(TRAY_COMMANDS.pause);
    expect(link.snapshot().sync).toMatchObject({ paused: true, paused_until: null });
    expect(item('paused-until')?.label).toBe('Paused until resumed');
    expect(effects.changed).toBeGreaterThanOrEqual(3);
  });

  it('sets the notification level through the engine settings, saved, and the policy follows config.changed', async () => {
    const heard: LiveEventName[] = [];
    link.onEvent((name) => {
      heard.push(name);
      if (name === 'config.changed') policy.setLevel(link.settings().notifications);
    });
    await commands.run(TRAY_COMMANDS.notifyErrors);
    expect(d.engine.config.notifications).toBe('errors');
    expect(policy.notificationLevel).toBe('errors');
    expect(d.persistence.load()).toMatchObject({ ATOM_SYNC_NOTIFICATIONS: 'errors' });
    await waitFor(() => heard.includes('config.changed'), 5_000, 10);
    // a change from elsewhere (the settings view, PUT /config) reaches the policy too
    await d.engine.reconfigure({ notifications: 'none' });
    await waitFor(() => policy.notificationLevel === 'none', 5_000, 10);
  });

  it('keeps the level when the environment fixes it, and logs why', async () => {
    await link.close();
    await d.close();
    d = await startDesktopEngine({ env: { ATOM_SYNC_NOTIFICATIONS: 'none' } });
    link = inProcessLink(d.engine, { log: silentLogger });
    const errors: string[] = [];
    const log = { ...silentLogger, error: (message: string, fields?: Record<string, unknown>) => void errors.push(`${message} ${JSON.stringify(fields)}`) };
    const p = new NotificationPolicy(Date.now(), { level: link.settings().notifications });
    const c = trayCommands({ ...baseDeps(), link, policy: p, log });
    await c.run(TRAY_COMMANDS.notifyAll);
    expect(d.engine.config.notifications).toBe('none');
    expect(p.notificationLevel).toBe('none');
    expect(errors.join('\n')).toContain('set by the environment');
  });

  it('opens the log folder and writes a diagnostics bundle, then shows it', async () => {
    await commands.run(TRAY_COMMANDS.openLogs);
    expect(effects.folders).toEqual([path.dirname(d.logPath)]);
    await commands.run(TRAY_COMMANDS.supportBundle);
    expect(effects.errors).toEqual([]);
    expect(effects.revealed).toHaveLength(1);
    expect(existsSync(effects.revealed[0]!)).toBe(true);
    expect(commands.bundleWriting).toBe(false);
  });

  it('syncs, and a critical conflict reaches the notification policy with its name', async () => {
    await commands.run(TRAY_COMMANDS.syncNow);
    await d.engine.services.sync.idle();
    expect(link.snapshot().sync.last_sync).not.toBeNull();
    const told: string[] = [];
    link.onConflictCreated((c) => told.push(`${c.severity}:${c.name}`));
    clashOnCode(d, 'skill-000003');
    await syncNow(d.engine, 'incremental');
    await waitFor(() => told.length === 1, 5_000, 10);
    expect(told[0]).toMatch(/^critical:/);
    expect(item('conflicts')?.label).toMatch(/1 critical/);
  });

  it('toggles start at login and quits', async () => {
    await commands.run(TRAY_COMMANDS.toggleStartAtLogin);
    expect(loginEnabled).toBe(true);
    expect(new SettingsStore(path.join(d.dir, 'userData')).load().startAtLogin).toBe(true);
    await commands.run(TRAY_COMMANDS.quit);
    expect(effects.quit).toBe(1);
  });
});

function baseDeps() {
  return {
    settings: new SettingsStore(path.join(d.dir, 'userData')),
    loginItem: { read: () => ({ enabled: false, warning: null }), set: () => ({ enabled: false, warning: null }) },
    openRoute: () => undefined,
    openFolder: async () => '',
    revealFile: () => undefined,
    showError: () => undefined,
    quit: () => undefined,
    changed: () => undefined,
  };
}
