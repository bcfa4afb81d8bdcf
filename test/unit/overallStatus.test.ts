import { describe, expect, it } from 'vitest';
import type { EngineSnapshot } from '../../engine/contracts/localHttpApi.js';
import { overallStatus } from '../../engine/status/overall.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const check = { healthy: true, status: 'healthy' as const, detail: 'ok' };

function snap(sync: Partial<EngineSnapshot['sync']> = {}, more: Partial<EngineSnapshot> = {}): EngineSnapshot {
  return {
    at: new Date(NOW).toISOString(),
    demo_mode: false,
    sync: {
      status: 'idle', paused: false, paused_until: null, mode: null, run_id: null, last_sync: null, sync_age_minutes: null,
      skills_cached: 0, categories_cached: 0, last_error: null, last_error_kind: null, next_sync: null, progress: null,
      consecutive_failures: 0, invalid_items: 0, demo_mode: false, ...sync,
    },
    health: {
      status: 'healthy', last_sync: null, sync_age_minutes: null, websocket_connected: true, scheduler_running: true, recent_errors: 0,
      checks: { last_sync: check, websocket: check, scheduler: check, errors: check, database: check },
    },
    websocket: { connected: true, last_message: null, reconnect_count: 0, enabled: true, state: 'connected', next_retry_at: null, connected_since: null, last_error: null },
    ratings: { status: 'idle', last_sync: null, pending_count: 0, uploaded_total: 0, failed_count: 0, last_error: null },
    conflicts: { unresolved: 0, by_severity: { low: 0, medium: 0, high: 0, critical: 0 } },
    api: { listening: true, url: null, error: null },
    replica: { role: 'leader', instance_id: 'atom-sync-local', leader_id: 'atom-sync-local' },
    ...more,
  };
}

describe('overall status', () => {
  it('says Starting… until the first run has started, ended or failed', () => {
    expect(overallStatus(null, { now: NOW }).label).toBe('Starting…');
    expect(overallStatus(snap(), { now: NOW }).state).toBe('starting');
    expect(overallStatus(snap({ status: 'syncing' }), { now: NOW }).state).toBe('syncing');
    expect(overallStatus(snap({ last_sync: new Date(NOW - 60_000).toISOString() }), { now: NOW }).state).toBe('healthy');
    expect(overallStatus(snap({ status: 'disabled' }), { now: NOW }).state).toBe('healthy');
  });

  it('needs attention, and says why, with a critical conflict or a failed upload while the probe stays healthy', () => {
    const synced = { last_sync: new Date(NOW - 60_000).toISOString() };
    const conflicts = overallStatus(snap(synced, { conflicts: { unresolved: 3, by_severity: { low: 0, medium: 0, high: 0, critical: 3 } } }), { now: NOW });
    expect(conflicts).toMatchObject({ state: 'degraded', label: 'Needs attention', reasons: ['3 open conflicts, 3 critical'] });
    const uploads = overallStatus(snap(synced, { ratings: { status: 'idle', last_sync: null, pending_count: 0, uploaded_total: 0, failed_count: 1, last_error: null } }), { now: NOW });
    expect(uploads).toMatchObject({ label: 'Needs attention', reasons: ['1 failed upload'] });
  });
});
