/**
 * Engine snapshot -> tray icon, tooltip and menu (desktop.md "Tray states"). Pure: the adapter
 * renders whatever this returns, so every rule is tested without Electron.
 */
import type { EngineSnapshot } from '../../engine/contracts/localHttpApi.js';
import { clip, formatAgo } from '../../engine/status/formatAge.js';
import { overallStatus, statusLine, type OverallState } from '../../engine/status/overall.js';
import type { NotificationLevel } from './notificationPolicy.js';

export type TrayStateName = OverallState;

export const TRAY_COMMANDS = {
  none: 'none',
  openDashboard: 'open-dashboard',
  syncNow: 'sync-now',
  reconnect: 'reconnect',
  syncRatings: 'sync-ratings',
  openConflicts: 'open-conflicts',
  openUploads: 'open-uploads',
  pause: 'pause',
  pauseHour: 'pause-1h',
  resume: 'resume',
  toggleStartAtLogin: 'toggle-start-at-login',
  notifyAll: 'notifications-all',
  notifyErrors: 'notifications-errors',
  notifyNone: 'notifications-none',
  openLogs: 'open-logs',
  supportBundle: 'support-bundle',
  quit: 'quit',
} as const;
export type TrayCommand = (typeof TRAY_COMMANDS)[keyof typeof TRAY_COMMANDS];

/** "Pause for 1 hour". */
export const PAUSE_HOUR_MS = 3_600_000;

export interface MenuItemModel {
  /** Stable key (also for separators) so the adapter can diff menus. */
  key: string;
  command: TrayCommand;
  type: 'normal' | 'separator' | 'checkbox' | 'radio' | 'submenu';
  label: string;
  enabled: boolean;
  checked?: boolean;
  submenu?: MenuItemModel[];
}

export interface TrayInputs {
  /** The user paused sync from the tray (the snapshot's own `sync.paused` counts too). */
  paused: boolean;
  now: number;
  /** Why the local HTTP API is not listening (port taken), or null. */
  portNotice: string | null;
  /** What is on disk / in the OS, not what the settings file believes. */
  startAtLogin?: { enabled: boolean; warning: string | null };
  notificationLevel?: NotificationLevel;
  /** Sync interval: older than this is stale. Without it, the health check decides. */
  intervalMinutes?: number;
  /** Animation frame for the syncing glyph. */
  frame?: number;
  /** A diagnostics bundle is being written (the item waits), or this engine cannot write one. */
  supportBundle?: 'idle' | 'writing' | 'unavailable';
  /** The app uses a service that runs on its own (an atom-sync daemon): its address. */
  attachedTo?: string | null;
  /** That service cannot be reached right now (the snapshot is the last one it sent). */
  linkNotice?: string | null;
  /** Clock time of a timed pause's end, as the menu shows it (default: the local hh:mm). */
  formatTime?: (ms: number) => string;
}

export interface TrayView {
  state: TrayStateName;
  /** File name under resources/tray (colour variant; see trayIconFile for the platform's one). */
  icon: string;
  tooltip: string;
  /** The status line, also the first menu item (Linux hosts show no tooltip). */
  status: string;
  menu: MenuItemModel[];
}

export const SYNCING_FRAMES = 4;
/** Windows truncates tray tooltips at 127 characters. */
export const TOOLTIP_MAX = 127;

function lastError(s: EngineSnapshot): string | null {
  return s.sync.last_error ?? s.ratings.last_error ?? (s.websocket.connected ? null : s.websocket.last_error) ?? null;
}

/**
 * One line within the Windows limit. The age and the port notice are kept whole; the state and
 * the last error share what is left (the error gets at least 24 characters).
 */
function tooltipFor(status: string, ageText: string, error: string | null, portNotice: string | null): string {
  const head = `Atom Sync: ${status}`;
  const age = `last sync ${ageText}`;
  const port = portNotice ? clip(portNotice, 40) : null;
  const errorText = error ? `error: ${clip(error, 200)}` : null;
  const count = 2 + (port ? 1 : 0) + (errorText ? 1 : 0);
  const room = TOOLTIP_MAX - age.length - (port?.length ?? 0) - 3 * (count - 1);
  const errorRoom = errorText ? Math.min(errorText.length, Math.max(24, room - head.length)) : 0;
  const parts = [clip(head, room - errorRoom), age];
  if (errorText) parts.push(clip(errorText, errorRoom));
  if (port) parts.push(port);
  return clip(parts.join(' · '), TOOLTIP_MAX);
}

const separator = (key: string): MenuItemModel => ({ key, command: TRAY_COMMANDS.none, type: 'separator', label: '', enabled: true });
const info = (key: string, label: string): MenuItemModel => ({ key, command: TRAY_COMMANDS.none, type: 'normal', label, enabled: false });
const action = (key: string, command: TrayCommand, label: string, enabled = true): MenuItemModel => ({ key, command, type: 'normal', label, enabled });

function notificationsMenu(level: NotificationLevel): MenuItemModel {
  const radio = (command: TrayCommand, label: string, value: NotificationLevel): MenuItemModel => ({
    key: command,
    command,
    type: 'radio',
    label,
    enabled: true,
    checked: level === value,
  });
  return {
    key: 'notifications',
    command: TRAY_COMMANDS.none,
    type: 'submenu',
    label: 'Notifications',
    enabled: true,
    submenu: [
      radio(TRAY_COMMANDS.notifyAll, 'All', 'all'),
      radio(TRAY_COMMANDS.notifyErrors, 'Errors only', 'errors'),
      radio(TRAY_COMMANDS.notifyNone, 'None', 'none'),
    ],
  };
}

function localTime(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** Running: two ways to pause. Paused: until when, and Resume. */
function pauseItems(paused: boolean, pausedUntil: string | null, inputs: TrayInputs): MenuItemModel[] {
  if (!paused) {
    return [
      action('pause-1h', TRAY_COMMANDS.pauseHour, 'Pause for 1 hour'),
      action('pause', TRAY_COMMANDS.pause, 'Pause until resumed'),
    ];
  }
  const until = pausedUntil === null ? Number.NaN : Date.parse(pausedUntil);
  const label = Number.isNaN(until) ? 'Paused until resumed' : `Paused until ${(inputs.formatTime ?? localTime)(until)}`;
  return [info('paused-until', label), action('pause', TRAY_COMMANDS.resume, 'Resume sync')];
}

function bundleItem(state: 'idle' | 'writing' | 'unavailable'): MenuItemModel {
  if (state === 'writing') return action('support-bundle', TRAY_COMMANDS.supportBundle, 'Creating diagnostics bundle…', false);
  return action('support-bundle', TRAY_COMMANDS.supportBundle, 'Create diagnostics bundle', state === 'idle');
}

export function trayState(snapshot: EngineSnapshot, inputs: TrayInputs): TrayView {
  const s = snapshot;
  const paused = inputs.paused || s.sync.paused;
  const a = overallStatus(s, { paused, now: inputs.now, ...(inputs.intervalMinutes !== undefined ? { intervalMinutes: inputs.intervalMinutes } : {}) });
  // A service we attached to that stopped answering: its last snapshot cannot be vouched for.
  const unreachable = inputs.linkNotice ? inputs.linkNotice : null;
  const state: TrayStateName = unreachable ? 'unhealthy' : a.state;
  const status = unreachable ? 'Service unreachable' : a.line;
  const ageText = formatAgo(s.sync.last_sync, inputs.now, 'never', 'brief');
  const error = lastError(s);
  const critical = s.conflicts.by_severity.critical ?? 0;
  const syncing = s.sync.status === 'syncing';
  const autostart = inputs.startAtLogin ?? { enabled: false, warning: null };
  const reachable = unreachable === null;

  const menu: MenuItemModel[] = [info('status', clip(`Atom Sync: ${status}`, 90)), info('last-sync', `Last sync: ${ageText}`)];
  if (error) menu.push(info('last-error', clip(`Last error: ${error}`, 90)));
  if (inputs.portNotice) menu.push(info('port-notice', clip(inputs.portNotice, 90)));
  if (unreachable) menu.push(info('link-notice', clip(unreachable, 90)));
  else if (inputs.attachedTo) menu.push(info('attached', clip(`Using the Atom Sync service at ${inputs.attachedTo}`, 90)));
  menu.push(
    separator('sep-open'),
    action('open-dashboard', TRAY_COMMANDS.openDashboard, 'Open dashboard'),
    action('sync-now', TRAY_COMMANDS.syncNow, syncing ? 'Syncing…' : 'Sync now', reachable && !syncing && !paused && s.sync.status !== 'disabled'),
    action('reconnect', TRAY_COMMANDS.reconnect, 'Reconnect', reachable && s.websocket.enabled && s.websocket.state !== 'disabled'),
    action('sync-ratings', TRAY_COMMANDS.syncRatings, 'Sync ratings', reachable && s.ratings.status === 'idle'),
    separator('sep-views'),
    action(
      'conflicts',
      TRAY_COMMANDS.openConflicts,
      critical > 0 ? `Conflicts (${s.conflicts.unresolved}, ${critical} critical ⚠)` : `Conflicts (${s.conflicts.unresolved})`,
    ),
    action('failed-uploads', TRAY_COMMANDS.openUploads, `Failed uploads (${s.ratings.failed_count})`),
    separator('sep-control'),
    ...pauseItems(paused, s.sync.paused_until, inputs).map((m) => (reachable ? m : { ...m, enabled: false })),
    {
      key: 'start-at-login',
      command: TRAY_COMMANDS.toggleStartAtLogin,
      type: 'checkbox',
      label: autostart.warning ? 'Start at login (points at another copy)' : 'Start at login',
      enabled: true,
      checked: autostart.enabled,
    },
    notificationsMenu(inputs.notificationLevel ?? 'all'),
    separator('sep-support'),
    action('open-logs', TRAY_COMMANDS.openLogs, 'Open logs'),
    bundleItem(reachable ? (inputs.supportBundle ?? 'idle') : 'unavailable'),
    separator('sep-quit'),
    action('quit', TRAY_COMMANDS.quit, 'Quit Atom Sync'),
  );

  // Nothing judged yet: the neutral grey icon.
  const iconState = state === 'starting' ? 'paused' : state;
  const icon = state === 'syncing' ? `syncing-${Math.abs(Math.trunc(inputs.frame ?? 0)) % SYNCING_FRAMES}.png` : `${iconState}.png`;
  const tooltip = tooltipFor(unreachable ? status : statusLine(a.label, a.reasons, 1), ageText, error, unreachable ?? inputs.portNotice);
  return { state, icon, tooltip, status, menu };
}

/**
 * The file for this platform: macOS gets the black template variant (the menu bar tints it),
 * Linux the 32 px one (AppIndicator hosts scale down, and 16 px is blurry on most panels),
 * Windows a multi-size .ico (the shell picks the size for the display's scaling).
 */
export function trayIconFile(icon: string, platform: NodeJS.Platform): string {
  const base = icon.replace(/\.png$/, '');
  if (platform === 'darwin') return `${base}Template.png`;
  if (platform === 'win32') return `${base}.ico`;
  if (platform === 'linux') return `${base}@2x.png`;
  return `${base}.png`;
}

/** AppIndicator hosts get each frame over D-Bus; elsewhere swapping the image is cheap. */
export function animatesSyncing(platform: NodeJS.Platform): boolean {
  return platform !== 'linux';
}

/** The notice shown when the engine runs without its local API. */
export function portNotice(api: EngineSnapshot['api']): string | null {
  if (api.listening || !api.error) return null;
  const taken = /port (\d+)\b.*in use/.exec(api.error);
  return taken ? `Local API off: port ${taken[1]} in use` : `Local API off: ${api.error}`;
}

/** Every command id the menu can produce (for the adapter's dispatch table). */
export function menuCommands(menu: readonly MenuItemModel[]): TrayCommand[] {
  return menu.flatMap((item) => [item.command, ...menuCommands(item.submenu ?? [])]).filter((c) => c !== TRAY_COMMANDS.none);
}
