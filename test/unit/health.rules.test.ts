import { describe, expect, it } from 'vitest';
import { computeHealth, humanMinutes, type HealthInput } from '../../engine/health/healthMonitor.js';

const NOW = Date.parse('2026-02-19T12:00:00Z');
const MIN = 60_000;
const ago = (minutes: number) => new Date(NOW - minutes * MIN).toISOString();

function input(overrides: Partial<HealthInput> = {}): HealthInput {
  return {
    lastSuccessAt: ago(5),
    startedAtMs: NOW - 120 * MIN,
    consecutiveFailures: 0,
    recentErrors: 0,
    authFailed: false,
    syncEnabled: true,
    schedulerRunning: true,
    schedulerPaused: false,
    wsEnabled: true,
    wsState: 'connected',
    ...overrides,
  };
}
const health = (overrides: Partial<HealthInput> = {}, interval = 30) => computeHealth(input(overrides), { syncIntervalMinutes: interval }, NOW);

describe('computeHealth: last_sync', () => {
  it.each([
    // [age in minutes (fractional allowed), expected status] for a 30 min interval
    [0, 'healthy'],
    [30, 'healthy'],
    [35, 'healthy'], // exactly interval + 5 is not yet late
    [35 + 1 / 60, 'degraded'],
    [59, 'degraded'],
    [60, 'degraded'], // exactly 2 x interval is not yet unhealthy
    [60 + 1 / 60, 'unhealthy'],
    [600, 'unhealthy'],
  ] as const)('age %s min -> %s', (age, expected) => {
    const h = health({ lastSuccessAt: ago(age) });
    expect(h.checks.last_sync.status).toBe(expected);
    expect(h.checks.last_sync.healthy).toBe(expected === 'healthy');
    expect(h.sync_age_minutes).toBe(Math.floor(age));
  });

  it('follows the configured interval', () => {
    expect(health({ lastSuccessAt: ago(16) }, 5).checks.last_sync.status).toBe('unhealthy');
    expect(health({ lastSuccessAt: ago(16) }, 10).checks.last_sync.status).toBe('degraded');
    expect(health({ lastSuccessAt: ago(16) }, 60).checks.last_sync.status).toBe('healthy');
  });

  it('never synced: fine during the first interval, unhealthy after it', () => {
    const early = health({ lastSuccessAt: null, startedAtMs: NOW - 2 * MIN });
    expect(early.checks.last_sync).toEqual({ healthy: true, status: 'healthy', detail: 'no successful sync yet (started 2 min ago)' });
    expect(early.sync_age_minutes).toBeNull();
    expect(early.last_sync).toBeNull();
    expect(health({ lastSuccessAt: null, startedAtMs: NOW - 30 * MIN }).checks.last_sync.status).toBe('healthy');
    const late = health({ lastSuccessAt: null, startedAtMs: NOW - 31 * MIN });
    expect(late.checks.last_sync.status).toBe('unhealthy');
    expect(late.status).toBe('unhealthy');
  });

  it('says the age in plain words', () => {
    expect(health({ lastSuccessAt: ago(3) }).checks.last_sync.detail).toBe('last successful sync 3 min ago');
    expect(health({ lastSuccessAt: ago(0.2) }).checks.last_sync.detail).toBe('last successful sync less than 1 min ago');
    expect(health({ lastSuccessAt: ago(150) }).checks.last_sync.detail).toMatch(/^last successful sync 2 h 30 min ago, more than twice/);
  });

  it('a timestamp in the future (clock skew) counts as age 0', () => {
    const h = health({ lastSuccessAt: new Date(NOW + 5 * MIN).toISOString() });
    expect(h.sync_age_minutes).toBe(0);
    expect(h.checks.last_sync.status).toBe('healthy');
  });

  it('sync disabled in configuration caps a stale sync at degraded', () => {
    const h = health({ syncEnabled: false, schedulerRunning: false, lastSuccessAt: ago(600) });
    expect(h.checks.last_sync.status).toBe('degraded');
    expect(h.checks.last_sync.detail).toMatch(/disabled/);
    expect(h.checks.scheduler.status).toBe('healthy');
    expect(h.status).toBe('degraded');
  });
});

describe('computeHealth: websocket', () => {
  it.each([
    ['connected', true, 'healthy'],
    ['connecting', true, 'degraded'],
    ['backoff', true, 'degraded'],
    ['auth_failed', true, 'unhealthy'],
    ['disabled', false, 'healthy'],
    ['backoff', false, 'healthy'],
  ] as const)('state %s (enabled %s) -> %s', (wsState, wsEnabled, expected) => {
    const h = health({ wsState, wsEnabled });
    expect(h.checks.websocket.status).toBe(expected);
    expect(h.websocket_connected).toBe(wsState === 'connected');
  });

  it('tells the operator what to do on an auth failure', () => {
    expect(health({ wsState: 'auth_failed' }).checks.websocket.detail).toMatch(/ATOM_SAAS_API_TOKEN/);
  });
});

describe('computeHealth: scheduler', () => {
  it('unhealthy when not running while sync is enabled', () => {
    const h = health({ schedulerRunning: false });
    expect(h.checks.scheduler.status).toBe('unhealthy');
    expect(h.scheduler_running).toBe(false);
    expect(h.status).toBe('unhealthy');
  });
  it('paused by the user is degraded', () => {
    expect(health({ schedulerPaused: true }).checks.scheduler).toEqual({ healthy: false, status: 'degraded', detail: 'paused by user' });
  });
  it('running is healthy', () => {
    expect(health().checks.scheduler.status).toBe('healthy');
  });
});

describe('computeHealth: errors', () => {
  it.each([
    [0, 0, 'healthy'],
    [1, 0, 'degraded'],
    [9, 4, 'degraded'],
    [0, 4, 'healthy'],
    [5, 5, 'unhealthy'],
    [0, 7, 'unhealthy'],
  ] as const)('%s errors in 15 min, %s consecutive failed runs -> %s', (recentErrors, consecutiveFailures, expected) => {
    const h = health({ recentErrors, consecutiveFailures });
    expect(h.checks.errors.status).toBe(expected);
    expect(h.recent_errors).toBe(recentErrors);
  });

  it('an authentication failure is called out', () => {
    const h = health({ authFailed: true, recentErrors: 1, consecutiveFailures: 1 });
    expect(h.checks.errors.status).toBe('degraded');
    expect(h.checks.errors.detail).toMatch(/authentication/);
  });
});

describe('computeHealth: overall', () => {
  it('all good is healthy, with the runbook shape', () => {
    const h = health();
    expect(h).toMatchObject({ status: 'healthy', sync_age_minutes: 5, websocket_connected: true, scheduler_running: true, recent_errors: 0 });
    expect(Object.keys(h.checks).sort()).toEqual(['database', 'errors', 'last_sync', 'scheduler', 'websocket']);
    for (const c of Object.values(h.checks)) expect(c.healthy).toBe(true);
  });

  it('is the worst check', () => {
    expect(health({ wsState: 'backoff' }).status).toBe('degraded');
    expect(health({ wsState: 'backoff', consecutiveFailures: 5 }).status).toBe('unhealthy');
    expect(health({ schedulerPaused: true, recentErrors: 2, lastSuccessAt: ago(40) }).status).toBe('degraded');
    expect(health({ schedulerPaused: true, lastSuccessAt: ago(61) }).status).toBe('unhealthy');
  });
});

describe('humanMinutes', () => {
  it.each([
    [0.5, 'less than 1 min'],
    [1, '1 min'],
    [119, '119 min'],
    [120, '2 h 0 min'],
    [60 * 50, '2 d 2 h'],
  ] as const)('%s -> %s', (minutes, text) => expect(humanMinutes(minutes)).toBe(text));
});
