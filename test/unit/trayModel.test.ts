import { describe, expect, it } from 'vitest';
import type { EngineSnapshot } from '../../engine/contracts/localHttpApi.js';
import {
  animatesSyncing,
  menuCommands,
  PAUSE_HOUR_MS,
  portNotice,
  TOOLTIP_MAX,
  TRAY_COMMANDS,
  trayIconFile,
  trayState,
  type MenuItemModel,
  type TrayInputs,
} from '../../electron/model/trayModel.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();
const check = (status: 'healthy' | 'degraded' | 'unhealthy' = 'healthy', detail = 'ok') => ({ healthy: status !== 'unhealthy', status, detail });

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** A healthy engine that synced 5 minutes ago; tests change only what they are about. */
function snap(over: DeepPartial<EngineSnapshot> = {}): EngineSnapshot {
  const base: EngineSnapshot = {
    at: new Date(NOW).toISOString(),
    demo_mode: false,
    sync: {
      status: 'idle', paused: false, paused_until: null, mode: null, run_id: null, last_sync: minutesAgo(5), sync_age_minutes: 5,
      skills_cached: 500, categories_cached: 12, last_error: null, last_error_kind: null, next_sync: null,
      progress: null, consecutive_failures: 0, invalid_items: 0, demo_mode: false,
    },
    health: {
      status: 'healthy', last_sync: minutesAgo(5), sync_age_minutes: 5, websocket_connected: true, scheduler_running: true,
      recent_errors: 0, checks: { last_sync: check(), websocket: check(), scheduler: check(), errors: check(), database: check() },
    },
    websocket: {
      connected: true, last_message: null, reconnect_count: 0, enabled: true, state: 'connected', next_retry_at: null,
      connected_since: minutesAgo(60), last_error: null,
    },
    ratings: { status: 'idle', last_sync: minutesAgo(5), pending_count: 0, uploaded_total: 3, failed_count: 0, last_error: null },
    conflicts: { unresolved: 0, by_severity: { low: 0, medium: 0, high: 0, critical: 0 } },
    api: { listening: true, url: 'http://127.0.0.1:8000', error: null },
    replica: { role: 'leader', instance_id: 'atom-sync-local', leader_id: 'atom-sync-local' },
  };
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out = { ...a };
    for (const [k, v] of Object.entries(b)) {
      out[k] = v && typeof v === 'object' && !Array.isArray(v) && a[k] && typeof a[k] === 'object' ? merge(a[k] as Record<string, unknown>, v as Record<string, unknown>) : v;
    }
    return out;
  };
  return merge(base as unknown as Record<string, unknown>, over as Record<string, unknown>) as unknown as EngineSnapshot;
}

const inputs = (over: Partial<TrayInputs> = {}): TrayInputs => ({ paused: false, now: NOW, portNotice: null, intervalMinutes: 30, ...over });
const item = (menu: MenuItemModel[], key: string) => menu.find((m) => m.key === key);

describe('tray state', () => {
  it('is green with a fresh sync, socket up, nothing failed or open', () => {
    const view = trayState(snap(), inputs());
    expect(view.state).toBe('healthy');
    expect(view.icon).toBe('healthy.png');
    expect(view.tooltip).toBe('Atom Sync: Healthy · last sync 5 min ago');
  });

  it('shows syncing while a run is in progress, with its progress', () => {
    const view = trayState(snap({ sync: { status: 'syncing', progress: { phase: 'skills', done: 120, total: 500 } } }), inputs({ frame: 6 }));
    expect(view.state).toBe('syncing');
    expect(view.icon).toBe('syncing-2.png');
    expect(view.status).toContain('skills 120/500');
    expect(item(view.menu, 'sync-now')).toMatchObject({ label: 'Syncing…', enabled: false });
  });

  it('is red when health is unhealthy, naming the failed runs and the last error', () => {
    const view = trayState(
      snap({
        sync: { consecutive_failures: 5, last_error: 'remote unavailable (503)', last_error_kind: 'unavailable' },
        health: { status: 'unhealthy', checks: { errors: check('unhealthy', '5 consecutive failed runs') } },
      }),
      inputs(),
    );
    expect(view.state).toBe('unhealthy');
    expect(view.icon).toBe('unhealthy.png');
    expect(view.tooltip).toContain('5 failed runs in a row');
    expect(view.tooltip).toContain('error: remote unavailable (503)');
  });

  it('is red when Atom SaaS refuses the token, even if health has not caught up', () => {
    expect(trayState(snap({ websocket: { state: 'auth_failed', connected: false } }), inputs()).state).toBe('unhealthy');
    const view = trayState(snap({ sync: { last_error_kind: 'auth', last_error: '401 from remote' } }), inputs());
    expect(view.state).toBe('unhealthy');
    expect(view.status).toContain('refused the API token');
  });

  it('is amber when the WebSocket is down but polling works', () => {
    const view = trayState(snap({ websocket: { connected: false, state: 'backoff' } }), inputs());
    expect(view.state).toBe('degraded');
    expect(view.status).toContain('live updates down');
  });

  it('is not amber for a WebSocket that is switched off', () => {
    expect(trayState(snap({ websocket: { connected: false, enabled: false, state: 'disabled' } }), inputs()).state).toBe('healthy');
  });

  it('is amber with failed uploads, counted in the menu', () => {
    const view = trayState(snap({ ratings: { failed_count: 2 } }), inputs());
    expect(view.state).toBe('degraded');
    expect(view.status).toContain('2 failed uploads');
    expect(item(view.menu, 'failed-uploads')?.label).toBe('Failed uploads (2)');
  });

  it('is amber past one interval without a sync, and the tooltip says how stale', () => {
    const view = trayState(snap({ sync: { last_sync: minutesAgo(180) } }), inputs({ intervalMinutes: 30 }));
    expect(view.state).toBe('degraded');
    expect(view.tooltip).toContain('3 h stale');
    expect(view.tooltip).toContain('last sync 3 h ago');
    // within the interval it is still fresh
    expect(trayState(snap({ sync: { last_sync: minutesAgo(25) } }), inputs({ intervalMinutes: 30 })).state).toBe('healthy');
  });

  it('falls back to the health check for staleness when the interval is not given', () => {
    const stale = snap({ sync: { last_sync: minutesAgo(50) }, health: { checks: { last_sync: check('degraded', 'last sync 50 min ago') } } });
    expect(trayState(stale, inputs({ intervalMinutes: undefined })).state).toBe('degraded');
  });

  it('is amber with open conflicts, and never green with a critical one', () => {
    const view = trayState(snap({ conflicts: { unresolved: 3, by_severity: { low: 1, medium: 1, high: 0, critical: 1 } } }), inputs());
    expect(view.state).toBe('degraded');
    expect(view.status).toContain('3 open conflicts, 1 critical');
    expect(item(view.menu, 'conflicts')?.label).toBe('Conflicts (3, 1 critical ⚠)');
    // even if the counts disagree (total not yet refreshed), a critical one keeps it off green
    const inconsistent = snap({ conflicts: { unresolved: 0, by_severity: { low: 0, medium: 0, high: 0, critical: 1 } } });
    expect(trayState(inconsistent, inputs()).state).not.toBe('healthy');
  });

  it('shows paused (grey) when the user paused, keeping the reasons in the text', () => {
    const view = trayState(snap({ ratings: { failed_count: 1 } }), inputs({ paused: true }));
    expect(view.state).toBe('paused');
    expect(view.icon).toBe('paused.png');
    expect(view.status).toContain('1 failed upload');
    expect(item(view.menu, 'pause')).toMatchObject({ label: 'Resume sync', command: TRAY_COMMANDS.resume });
    expect(item(view.menu, 'paused-until')).toMatchObject({ label: 'Paused until resumed', enabled: false });
    expect(item(view.menu, 'pause-1h')).toBeUndefined();
    expect(item(view.menu, 'sync-now')?.enabled).toBe(false);
    // the engine's own paused flag counts too
    expect(trayState(snap({ sync: { paused: true } }), inputs()).state).toBe('paused');
  });

  it('says "never" before the first sync', () => {
    const view = trayState(snap({ sync: { last_sync: null } }), inputs());
    expect(view.tooltip).toContain('last sync never');
    expect(item(view.menu, 'last-sync')?.label).toBe('Last sync: never');
  });

  it('carries the port notice in the tooltip and the menu', () => {
    const notice = portNotice({ listening: false, url: null, error: 'port 8000 on 127.0.0.1 is already in use by another program' });
    expect(notice).toBe('Local API off: port 8000 in use');
    expect(portNotice({ listening: false, url: null, error: 'could not listen on ::1:8000: EACCES' })).toBe('Local API off: could not listen on ::1:8000: EACCES');
    const view = trayState(snap(), inputs({ portNotice: notice }));
    expect(view.tooltip).toBe('Atom Sync: Healthy · last sync 5 min ago · Local API off: port 8000 in use');
    expect(item(view.menu, 'port-notice')?.enabled).toBe(false);
    expect(portNotice({ listening: true, url: 'http://127.0.0.1:8000', error: null })).toBeNull();
  });

  it('keeps the tooltip on one line within the Windows limit, error included', () => {
    const view = trayState(
      snap({
        sync: { last_sync: minutesAgo(600), last_error: `upstream said: ${'x'.repeat(300)}\nsecond line`, consecutive_failures: 7 },
        health: { status: 'unhealthy', checks: { errors: check('unhealthy', '7 consecutive failed runs'), last_sync: check('unhealthy', 'stale') } },
        ratings: { failed_count: 4 },
        conflicts: { unresolved: 12, by_severity: { low: 0, medium: 0, high: 0, critical: 2 } },
      }),
      inputs({ portNotice: 'Local API off: port 8000 in use' }),
    );
    expect(view.tooltip.length).toBeLessThanOrEqual(TOOLTIP_MAX);
    expect(view.tooltip).toMatch(/^Atom Sync: Not syncing \(7 failed runs in a/);
    expect(view.tooltip).toContain('Local API off: port 8000 in use');
    expect(view.tooltip).not.toContain('\n');
    expect(view.tooltip).toContain('last sync 10 h ago');
    expect(view.tooltip).toContain('error: upstream said');
    expect(view.tooltip).toContain('Local API off');
  });
});

describe('tray menu', () => {
  it('is complete, in order, with Open dashboard the first action', () => {
    const view = trayState(snap(), inputs({ startAtLogin: { enabled: true, warning: null }, notificationLevel: 'errors' }));
    const labels = view.menu.filter((m) => m.type !== 'separator').map((m) => m.label);
    expect(labels).toEqual([
      'Atom Sync: Healthy',
      'Last sync: 5 min ago',
      'Open dashboard',
      'Sync now',
      'Reconnect',
      'Sync ratings',
      'Conflicts (0)',
      'Failed uploads (0)',
      'Pause for 1 hour',
      'Pause until resumed',
      'Start at login',
      'Notifications',
      'Open logs',
      'Create diagnostics bundle',
      'Quit Atom Sync',
    ]);
    expect(view.menu.find((m) => m.enabled && m.command !== 'none')?.command).toBe(TRAY_COMMANDS.openDashboard);
    expect(item(view.menu, 'start-at-login')).toMatchObject({ type: 'checkbox', checked: true });
    const radios = item(view.menu, 'notifications')?.submenu ?? [];
    expect(radios.filter((r) => r.checked).map((r) => r.command)).toEqual([TRAY_COMMANDS.notifyErrors]);
  });

  it('gives every actionable item a command id', () => {
    const view = trayState(snap(), inputs());
    const commands = menuCommands(view.menu);
    for (const c of [
      'open-dashboard', 'sync-now', 'reconnect', 'sync-ratings', 'open-conflicts', 'open-uploads', 'pause', 'pause-1h',
      'toggle-start-at-login', 'notifications-all', 'open-logs', 'support-bundle', 'quit',
    ])
      expect(commands).toContain(c);
    for (const m of view.menu) if (m.type === 'normal' && m.enabled) expect(m.command).not.toBe('none');
  });

  it('shows the start-at-login checkbox from the OS state and flags a foreign entry', () => {
    const off = trayState(snap(), inputs());
    expect(item(off.menu, 'start-at-login')?.checked).toBe(false);
    const foreign = trayState(snap(), inputs({ startAtLogin: { enabled: true, warning: 'runs /opt/old/atom-sync' } }));
    expect(item(foreign.menu, 'start-at-login')).toMatchObject({ checked: true, label: 'Start at login (points at another copy)' });
  });

  it('disables what cannot run now', () => {
    const view = trayState(snap({ websocket: { enabled: false, state: 'disabled', connected: false }, ratings: { status: 'syncing' } }), inputs());
    expect(item(view.menu, 'reconnect')?.enabled).toBe(false);
    expect(item(view.menu, 'sync-ratings')?.enabled).toBe(false);
    expect(item(trayState(snap({ sync: { status: 'disabled' } }), inputs()).menu, 'sync-now')?.enabled).toBe(false);
  });

  it('offers a pause for an hour or until resumed; a timed pause says until when and offers Resume', () => {
    const running = trayState(snap(), inputs());
    expect(item(running.menu, 'pause-1h')).toMatchObject({ command: TRAY_COMMANDS.pauseHour, enabled: true });
    expect(item(running.menu, 'pause')).toMatchObject({ command: TRAY_COMMANDS.pause, label: 'Pause until resumed' });
    expect(PAUSE_HOUR_MS).toBe(3_600_000);

    const until = new Date(NOW + PAUSE_HOUR_MS).toISOString();
    const timed = trayState(snap({ sync: { paused: true, paused_until: until } }), inputs({ formatTime: (ms) => new Date(ms).toISOString().slice(11, 16) }));
    expect(timed.state).toBe('paused');
    expect(item(timed.menu, 'paused-until')).toMatchObject({ label: 'Paused until 13:00', enabled: false, command: 'none' });
    expect(item(timed.menu, 'pause')).toMatchObject({ label: 'Resume sync', command: TRAY_COMMANDS.resume, enabled: true });
    expect(item(timed.menu, 'pause-1h')).toBeUndefined();
    // the default clock format is the local time of day
    const local = trayState(snap({ sync: { paused: true, paused_until: until } }), inputs());
    expect(item(local.menu, 'paused-until')?.label).toMatch(/^Paused until .*\d{1,2}.\d{2}/);
    // an unreadable end reads as a pause until resumed
    const odd = trayState(snap({ sync: { paused: true, paused_until: 'soon' } }), inputs());
    expect(item(odd.menu, 'paused-until')?.label).toBe('Paused until resumed');
  });

  it('opens the logs and writes a diagnostics bundle, one at a time', () => {
    expect(item(trayState(snap(), inputs()).menu, 'open-logs')).toMatchObject({ command: TRAY_COMMANDS.openLogs, enabled: true });
    expect(item(trayState(snap(), inputs()).menu, 'support-bundle')).toMatchObject({ command: TRAY_COMMANDS.supportBundle, enabled: true });
    expect(item(trayState(snap(), inputs({ supportBundle: 'writing' })).menu, 'support-bundle')).toMatchObject({
      label: 'Creating diagnostics bundle…',
      enabled: false,
    });
    expect(item(trayState(snap(), inputs({ supportBundle: 'unavailable' })).menu, 'support-bundle')?.enabled).toBe(false);
  });

  it('names the service it is attached to', () => {
    const view = trayState(snap(), inputs({ attachedTo: 'http://127.0.0.1:8000' }));
    expect(view.state).toBe('healthy');
    expect(item(view.menu, 'attached')).toMatchObject({ label: 'Using the Atom Sync service at http://127.0.0.1:8000', enabled: false });
  });

  it('is red when the attached service stopped answering, and offers only what works without it', () => {
    const notice = 'Cannot reach the Atom Sync service at http://127.0.0.1:8000; retrying';
    const view = trayState(snap(), inputs({ attachedTo: 'http://127.0.0.1:8000', linkNotice: notice }));
    expect(view.state).toBe('unhealthy');
    expect(view.icon).toBe('unhealthy.png');
    expect(view.status).toBe('Service unreachable');
    expect(view.tooltip).toContain('Atom Sync: Service unreachable');
    expect(view.tooltip.length).toBeLessThanOrEqual(TOOLTIP_MAX);
    expect(item(view.menu, 'link-notice')?.label).toBe(notice);
    expect(item(view.menu, 'attached')).toBeUndefined();
    for (const key of ['sync-now', 'reconnect', 'sync-ratings', 'pause', 'pause-1h', 'support-bundle']) expect(item(view.menu, key)?.enabled, key).toBe(false);
    for (const key of ['open-dashboard', 'open-logs', 'quit']) expect(item(view.menu, key)?.enabled, key).toBe(true);
  });

  it('names the last error in the menu (Linux hosts show no tooltip)', () => {
    const view = trayState(snap({ sync: { last_error: 'timeout after 30 s' } }), inputs());
    expect(item(view.menu, 'last-error')?.label).toBe('Last error: timeout after 30 s');
  });
});

describe('tray icon files', () => {
  it('picks template images on macOS, the 32 px PNG on Linux, the multi-size .ico on Windows', () => {
    expect(trayIconFile('degraded.png', 'darwin')).toBe('degradedTemplate.png');
    expect(trayIconFile('syncing-1.png', 'linux')).toBe('syncing-1@2x.png');
    expect(trayIconFile('healthy.png', 'win32')).toBe('healthy.ico');
    expect(trayIconFile('healthy.png', 'freebsd')).toBe('healthy.png');
    expect(animatesSyncing('linux')).toBe(false);
    expect(animatesSyncing('darwin')).toBe(true);
  });
});
