import { describe, expect, it } from 'vitest';
import { EngineEvents } from '../../engine/events.js';
import { ErrorWindow, HealthMonitor } from '../../engine/health/healthMonitor.js';
import { ManualClock } from '../support/manualClock.js';

const MIN = 60_000;

function setup(overrides: Partial<ConstructorParameters<typeof HealthMonitor>[0]> = {}) {
  const clock = new ManualClock();
  const events = new EngineEvents();
  const monitor = new HealthMonitor({
    events, clock, thresholds: { syncIntervalMinutes: 30 }, syncEnabled: true, wsEnabled: true,
    lastSuccessAt: null, consecutiveFailures: 0, ...overrides,
  });
  const iso = () => new Date(clock.now()).toISOString();
  const finished = (result: 'success' | 'failure' | 'cancelled', errorKind: 'auth' | 'unavailable' | null = null) =>
    events.emit('sync.finished', {
      run_id: 1, mode: 'incremental', result, items: 0, skipped: 0, duration_ms: 10, error: result === 'failure' ? 'boom' : null, error_kind: errorKind, at: iso(),
    });
  const error = () => events.emit('sync.error', { operation: 'skills', kind: 'unavailable', message: 'boom', at: iso() });
  return { clock, events, monitor, finished, error };
}

describe('ErrorWindow', () => {
  it('counts the last 15 minutes and forgets older ones', () => {
    const w = new ErrorWindow(15);
    const t0 = Date.parse('2026-02-19T10:00:00Z');
    w.record(t0);
    w.record(t0 + 30_000);
    w.record(t0 + 5 * MIN);
    expect(w.count(t0 + 5 * MIN)).toBe(3);
    expect(w.count(t0 + 14 * MIN)).toBe(3);
    expect(w.count(t0 + 15 * MIN)).toBe(1);
    expect(w.count(t0 + 20 * MIN)).toBe(0);
  });

  it('reuses a slot when the ring wraps around', () => {
    const w = new ErrorWindow(15);
    const t0 = Date.parse('2026-02-19T10:00:00Z');
    w.record(t0, 4);
    w.record(t0 + 15 * MIN, 1);
    expect(w.count(t0 + 15 * MIN)).toBe(1);
  });

  it('stays bounded under a flood', () => {
    const w = new ErrorWindow(15);
    const t0 = Date.parse('2026-02-19T10:00:00Z');
    for (let i = 0; i < 100_000; i++) w.record(t0 + i * 100);
    expect(w.count(t0 + 100_000 * 100)).toBeLessThanOrEqual(15 * 600);
  });
});

describe('HealthMonitor', () => {
  it('starts from the store values the engine passes in', () => {
    const clock = new ManualClock();
    const { monitor } = setup({ lastSuccessAt: new Date(clock.now() - 3 * MIN).toISOString(), consecutiveFailures: 6, scheduler: { running: true, paused: false }, wsState: 'connected' });
    const h = monitor.health();
    expect(h.sync_age_minutes).toBe(3);
    expect(h.checks.errors.status).toBe('unhealthy');
    expect(h.status).toBe('unhealthy');
  });

  it('a success resets failures and ages from then', () => {
    const { clock, monitor, finished, events } = setup({ consecutiveFailures: 6 });
    events.emit('scheduler.state', { running: true, paused: false, next_sync: null });
    events.emit('websocket.state', { connected: true, last_message: null, reconnect_count: 0, enabled: true, state: 'connected', next_retry_at: null, connected_since: null, last_error: null });
    finished('success');
    clock.advance(3 * MIN);
    const h = monitor.health();
    expect(h.status).toBe('healthy');
    expect(h.checks.last_sync.detail).toBe('last successful sync 3 min ago');
    clock.advance(33 * MIN);
    expect(monitor.health().status).toBe('degraded');
    clock.advance(25 * MIN);
    expect(monitor.health().status).toBe('unhealthy');
  });

  it('counts consecutive failures (cancelled runs do not count) and errors in the window', () => {
    const { clock, monitor, finished, error, events } = setup({ scheduler: { running: true, paused: false }, wsState: 'connected' });
    events.emit('sync.finished', { run_id: 0, mode: 'full', result: 'success', items: 1, skipped: 0, duration_ms: 1, error: null, error_kind: null, at: new Date(clock.now()).toISOString() });
    for (let i = 0; i < 4; i++) {
      error();
      finished('failure');
      finished('cancelled');
    }
    let h = monitor.health();
    expect(h.recent_errors).toBe(4);
    expect(h.checks.errors.status).toBe('degraded');
    error();
    finished('failure');
    h = monitor.health();
    expect(h.checks.errors.status).toBe('unhealthy');
    expect(h.checks.errors.detail).toMatch(/^5 consecutive failed sync runs/);
    clock.advance(16 * MIN);
    expect(monitor.health().recent_errors).toBe(0);
  });

  it('remembers an authentication failure until the next success', () => {
    const { monitor, finished } = setup();
    finished('failure', 'auth');
    expect(monitor.health().checks.errors.detail).toMatch(/ATOM_SAAS_API_TOKEN/);
    finished('success');
    expect(monitor.health().checks.errors.detail).toBe('no errors in the last 15 min');
  });

  it('follows scheduler and websocket events', () => {
    const { monitor, events } = setup({ scheduler: { running: true, paused: false }, wsState: 'connected' });
    events.emit('scheduler.state', { running: true, paused: true, next_sync: null });
    expect(monitor.health().checks.scheduler.detail).toBe('paused by user');
    events.emit('scheduler.state', { running: false, paused: false, next_sync: null });
    expect(monitor.health().checks.scheduler.status).toBe('unhealthy');
    events.emit('websocket.state', { connected: false, last_message: null, reconnect_count: 1, enabled: true, state: 'auth_failed', next_retry_at: null, connected_since: null, last_error: 'auth' });
    expect(monitor.health().checks.websocket.status).toBe('unhealthy');
  });

  it('stops listening after dispose', () => {
    const { monitor, finished } = setup();
    monitor.dispose();
    finished('success');
    expect(monitor.health().last_sync).toBeNull();
  });
});
