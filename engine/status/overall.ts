/**
 * The overall state of the engine, as a person should read it, from one snapshot. The tray
 * (icon, tooltip, menu) and the window's header both call this, so they can never disagree.
 * Pure and free of Node APIs: the renderer bundles it too. `/health/sync` keeps its own probe
 * rules (a conflict never makes a pod unready).
 */
import type { EngineSnapshot } from '../contracts/localHttpApi.js';
import { ageMs, formatAge } from './formatAge.js';

export type OverallState = 'starting' | 'healthy' | 'degraded' | 'unhealthy' | 'syncing' | 'paused';

/** What the header shows; the tray shows the same state with its own icon. */
export const OVERALL_LABELS: Readonly<Record<OverallState, string>> = {
  starting: 'Starting…',
  healthy: 'Healthy',
  degraded: 'Needs attention',
  unhealthy: 'Not syncing',
  syncing: 'Syncing',
  paused: 'Paused',
};

export interface OverallInputs {
  /** A pause the shell knows of (the snapshot's own `sync.paused` counts too). */
  paused?: boolean;
  now: number;
  /** Sync interval: older than this is stale. Without it, the health check decides. */
  intervalMinutes?: number;
}

export interface OverallStatus {
  state: OverallState;
  label: string;
  /** Why, most serious first: the run's progress while syncing, then red reasons, then amber ones. */
  reasons: string[];
  /** `label (reason, reason)`: the tray's status line and the header's title, word for word. */
  line: string;
  unhealthy: string[];
  degraded: string[];
}

function authRefused(s: EngineSnapshot): boolean {
  return s.websocket.state === 'auth_failed' || s.sync.last_error_kind === 'auth';
}

function websocketDown(s: EngineSnapshot): boolean {
  return s.websocket.enabled && s.websocket.state !== 'disabled' && s.websocket.state !== 'auth_failed' && !s.websocket.connected;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function conflictText(s: EngineSnapshot): string {
  const critical = s.conflicts.by_severity.critical ?? 0;
  const base = plural(s.conflicts.unresolved, 'open conflict');
  return critical > 0 ? `${base}, ${critical} critical` : base;
}

function assess(s: EngineSnapshot, inputs: OverallInputs): { unhealthy: string[]; degraded: string[] } {
  const unhealthy: string[] = [];
  const degraded: string[] = [];
  if (authRefused(s)) unhealthy.push('Atom SaaS refused the API token');
  if (s.sync.last_error_kind === 'proxy_auth') unhealthy.push('the proxy asked for credentials');
  const age = ageMs(s.sync.last_sync, inputs.now);
  if (s.health.status === 'unhealthy') {
    const failures = s.sync.consecutive_failures;
    if (failures > 0) unhealthy.push(`${plural(failures, 'failed run')} in a row`);
    const { last_sync, errors, ...others } = s.health.checks;
    // Staleness is said once, below, as an age; failed runs are counted above.
    if (last_sync.status === 'unhealthy' && age === null) unhealthy.push('never synced');
    if (errors.status === 'unhealthy' && failures === 0) unhealthy.push(errors.detail);
    for (const check of Object.values(others)) if (check.status === 'unhealthy') unhealthy.push(check.detail);
  }
  const stale =
    age !== null &&
    (inputs.intervalMinutes !== undefined ? age > inputs.intervalMinutes * 60_000 : s.health.checks.last_sync.status !== 'healthy');
  if (stale) degraded.push(`${formatAge(age)} stale`);
  if (s.health.status === 'unhealthy' && unhealthy.length === 0 && !stale) unhealthy.push('unhealthy');
  if (websocketDown(s)) degraded.push('live updates down, polling');
  if (s.ratings.failed_count > 0) degraded.push(plural(s.ratings.failed_count, 'failed upload'));
  if (s.conflicts.unresolved > 0) degraded.push(conflictText(s));
  if (s.health.status === 'degraded' && degraded.length === 0) {
    const check = Object.values(s.health.checks).find((c) => c.status === 'degraded');
    degraded.push(check?.detail ?? 'degraded');
  }
  return { unhealthy, degraded };
}

/** Before the first run has started, ended or failed there is nothing to judge yet. */
function starting(s: EngineSnapshot): boolean {
  const sync = s.sync;
  return sync.status === 'idle' && sync.last_sync === null && sync.consecutive_failures === 0 && sync.last_error === null;
}

/**
 * Order: a run in progress shows as syncing; a pause the user chose shows as paused (staleness
 * follows from it, so red would only cry wolf; the reasons stay in the text); then red, amber,
 * green. An open critical conflict or a failed upload never shows green.
 */
export function overallStatus(s: EngineSnapshot | null, inputs: OverallInputs): OverallStatus {
  if (s === null) return { state: 'starting', label: OVERALL_LABELS.starting, reasons: [], line: OVERALL_LABELS.starting, unhealthy: [], degraded: [] };
  const a = assess(s, inputs);
  let state: OverallState;
  if (s.sync.status === 'syncing') state = 'syncing';
  else if (inputs.paused === true || s.sync.paused) state = 'paused';
  else if (a.unhealthy.length > 0) state = 'unhealthy';
  else if (a.degraded.length > 0) state = 'degraded';
  else if ((s.conflicts.by_severity.critical ?? 0) > 0) state = 'degraded';
  else if (starting(s)) state = 'starting';
  else state = 'healthy';
  const progress = s.sync.progress;
  const reasons = [...a.unhealthy, ...a.degraded];
  if (state === 'syncing' && progress) reasons.unshift(`${progress.phase} ${progress.done}${progress.total !== null ? `/${progress.total}` : ''}`);
  const label = state === 'healthy' && s.sync.status === 'disabled' ? 'Sync disabled' : OVERALL_LABELS[state];
  return { state, label, reasons, line: statusLine(label, reasons), ...a };
}

/** `label (reason, reason)`; `maxReasons` keeps a tooltip to the most important ones. */
export function statusLine(label: string, reasons: readonly string[], maxReasons = Infinity): string {
  const shown = reasons.length > maxReasons ? [...reasons.slice(0, maxReasons), `+${reasons.length - maxReasons} more`] : reasons;
  return shown.length > 0 ? `${label} (${shown.join(', ')})` : label;
}
