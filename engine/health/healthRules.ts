import type { HealthCheck, HealthResponse, HealthStatus, WebSocketState } from '../contracts/localHttpApi.js';

/** Everything the health verdict depends on, gathered by the HealthMonitor (or built in a test). */
export interface HealthInput {
  /** ISO time of the last successful catalogue sync, or null when none ever succeeded. */
  lastSuccessAt: string | null;
  /** When this engine started (ms since epoch): the grace period before "never synced" is a problem. */
  startedAtMs: number;
  consecutiveFailures: number;
  /** Sync errors in the last 15 minutes. */
  recentErrors: number;
  /** The last failed run failed on authentication (the token is wrong or expired). */
  authFailed: boolean;
  syncEnabled: boolean;
  schedulerRunning: boolean;
  schedulerPaused: boolean;
  wsEnabled: boolean;
  wsState: WebSocketState;
  /** Since when (ms) another process has held the database lock; null when it is free. */
  databaseLockedSinceMs?: number | null;
  /** PostgreSQL cannot be reached since `sinceMs`, with the store's plain error; null when it answers. */
  databaseUnreachable?: { sinceMs: number; error: string } | null;
  /** Set on a standby replica: the leader runs the schedule and the socket (null: none leads). */
  standby?: { leaderId: string | null } | null;
}

export interface HealthThresholds {
  syncIntervalMinutes: number;
  /** Slack past one interval before a stale sync counts as degraded (default 5). */
  graceMinutes?: number;
  /** Consecutive failed runs that make the errors check unhealthy (default 5). */
  failedRunsUnhealthy?: number;
}

const MINUTE = 60_000;
const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

function check(status: HealthStatus, detail: string): HealthCheck {
  return { healthy: status === 'healthy', status, detail };
}

/** "3 min", "2 h 5 min", "3 d 4 h": a duration an operator reads at a glance. */
export function humanMinutes(minutes: number): string {
  const m = Math.max(0, Math.floor(minutes));
  if (m < 1) return 'less than 1 min';
  if (m < 120) return `${m} min`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours} h ${m % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

function lastSyncCheck(input: HealthInput, t: Required<HealthThresholds>, nowMs: number): HealthCheck {
  const interval = t.syncIntervalMinutes;
  let result: HealthCheck;
  if (input.lastSuccessAt === null) {
    const uptime = Math.max(0, nowMs - input.startedAtMs);
    const started = `started ${humanMinutes(uptime / MINUTE)} ago`;
    result = uptime > interval * MINUTE
      ? check('unhealthy', `no successful sync since start (${started}, interval ${interval} min)`)
      : check('healthy', `no successful sync yet (${started})`);
  } else {
    const age = Math.max(0, nowMs - Date.parse(input.lastSuccessAt));
    const said = `last successful sync ${humanMinutes(age / MINUTE)} ago`;
    if (age > 2 * interval * MINUTE) result = check('unhealthy', `${said}, more than twice the ${interval} min interval`);
    else if (age > (interval + t.graceMinutes) * MINUTE) result = check('degraded', `${said}, later than the ${interval} min interval`);
    else result = check('healthy', said);
  }
  // A sync switched off in configuration is a choice, not an outage: stale data is worth a warning only.
  if (!input.syncEnabled) {
    return check(result.status === 'healthy' ? 'healthy' : 'degraded', `sync is disabled in configuration; ${result.detail}`);
  }
  return result;
}

/** A standby's schedule and socket are the leader's: fine while one leads, an outage when none does. */
function standbyCheck(standby: { leaderId: string | null }, what: string): HealthCheck {
  return standby.leaderId === null
    ? check('unhealthy', `standby, and no replica leads: nothing runs the ${what}`)
    : check('healthy', `standby: the leader (${standby.leaderId}) runs the ${what}`);
}

function websocketCheck(input: HealthInput): HealthCheck {
  if (input.standby) return standbyCheck(input.standby, 'socket');
  if (!input.wsEnabled || input.wsState === 'disabled') return check('healthy', 'websocket disabled; changes arrive by scheduled sync');
  if (input.wsState === 'connected') return check('healthy', 'connected');
  if (input.wsState === 'auth_failed') {
    return check('unhealthy', 'websocket authentication failed; check ATOM_SAAS_API_TOKEN, then POST /api/admin/sync/websocket/reconnect');
  }
  return check('degraded', `disconnected (${input.wsState}); scheduled sync still works`);
}

function schedulerCheck(input: HealthInput): HealthCheck {
  if (!input.syncEnabled) return check('healthy', 'sync is disabled in configuration');
  if (input.standby) return standbyCheck(input.standby, 'schedule');
  if (!input.schedulerRunning) return check('unhealthy', 'scheduler is not running while sync is enabled');
  if (input.schedulerPaused) return check('degraded', 'paused by user');
  return check('healthy', 'running');
}

function errorsCheck(input: HealthInput, t: Required<HealthThresholds>): HealthCheck {
  const auth = input.authFailed ? '; the last run failed on authentication: check ATOM_SAAS_API_TOKEN' : '';
  const recent = `${input.recentErrors} ${input.recentErrors === 1 ? 'error' : 'errors'} in the last 15 min`;
  if (input.consecutiveFailures >= t.failedRunsUnhealthy) {
    return check('unhealthy', `${input.consecutiveFailures} consecutive failed sync runs, ${recent}${auth}`);
  }
  if (input.recentErrors >= 1 || input.authFailed) return check('degraded', `${recent}${auth}`);
  return check('healthy', 'no errors in the last 15 min');
}

function databaseCheck(input: HealthInput, nowMs: number): HealthCheck {
  const unreachable = input.databaseUnreachable ?? null;
  if (unreachable !== null) {
    const seconds = Math.max(0, Math.round((nowMs - unreachable.sinceMs) / 1000));
    return check('unhealthy', `the database cannot be reached (${seconds} s): ${unreachable.error}; the engine retries and resumes once it answers`);
  }
  const since = input.databaseLockedSinceMs ?? null;
  if (since === null) return check('healthy', 'available');
  const seconds = Math.max(0, Math.round((nowMs - since) / 1000));
  return check('degraded', `the database is locked by another process (${seconds} s); writes wait and resume when it is released`);
}

export function worst(statuses: readonly HealthStatus[]): HealthStatus {
  return statuses.reduce<HealthStatus>((acc, s) => (RANK[s] > RANK[acc] ? s : acc), 'healthy');
}

/** The health verdict: one check per concern, overall = the worst of them. Pure. */
export function computeHealth(input: HealthInput, thresholds: HealthThresholds, nowMs: number): HealthResponse {
  const t: Required<HealthThresholds> = { graceMinutes: 5, failedRunsUnhealthy: 5, ...thresholds };
  const checks = {
    last_sync: lastSyncCheck(input, t, nowMs),
    websocket: websocketCheck(input),
    scheduler: schedulerCheck(input),
    errors: errorsCheck(input, t),
    database: databaseCheck(input, nowMs),
  };
  const lastMs = input.lastSuccessAt === null ? NaN : Date.parse(input.lastSuccessAt);
  return {
    status: worst(Object.values(checks).map((c) => c.status)),
    last_sync: input.lastSuccessAt,
    sync_age_minutes: Number.isFinite(lastMs) ? Math.floor(Math.max(0, nowMs - lastMs) / MINUTE) : null,
    websocket_connected: input.wsState === 'connected',
    scheduler_running: input.schedulerRunning,
    recent_errors: input.recentErrors,
    checks,
  };
}
