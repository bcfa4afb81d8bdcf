import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { EngineEvents } from '../../engine/events.js';
import { createSyncMetrics } from '../../engine/metrics/syncMetrics.js';
import { ManualClock } from '../support/manualClock.js';

const run = promisify(execFile);

/** The value of one series in exposition text, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    if (line.slice(0, space) === series) return Number(line.slice(space + 1));
  }
  return undefined;
}

function setup() {
  const events = new EngineEvents();
  const clock = new ManualClock();
  const metrics = createSyncMetrics(events, { clock });
  return { events, clock, metrics };
}

const wsState = (state: 'connected' | 'backoff', last: string | null = null) => ({
  connected: state === 'connected', last_message: last, reconnect_count: 0, enabled: true, state,
  next_retry_at: null, connected_since: null, last_error: null,
});

async function promtool(): Promise<string | null> {
  try {
    const { stdout } = await run('bash', ['-c', 'command -v promtool']);
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

describe('sync metrics', () => {
  it('exposes every contract name, with the label sets alerts divide by at 0 from the first scrape', async () => {
    const { metrics } = setup();
    const text = await metrics.render();
    for (const name of [
      'sync_duration_seconds', 'sync_runs_total', 'sync_errors_total', 'sync_last_success_timestamp_seconds', 'sync_skills_cached',
      'sync_categories_cached', 'websocket_connected', 'websocket_reconnects_total', 'websocket_messages_total', 'rating_sync_pending',
      'rating_sync_uploads_total', 'rating_sync_failed_uploads', 'conflicts_detected_total', 'conflicts_unresolved', 'conflicts_resolved_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain('# TYPE sync_duration_seconds histogram');
    expect(sample(text, 'sync_runs_total{mode="incremental",result="success"}')).toBe(0);
    expect(sample(text, 'sync_runs_total{mode="incremental",result="failure"}')).toBe(0);
    expect(sample(text, 'sync_duration_seconds_count{mode="full",result="success"}')).toBe(0);
    expect(sample(text, 'conflicts_unresolved{severity="critical"}')).toBe(0);
    expect(sample(text, 'rating_sync_uploads_total{result="failed"}')).toBe(0);
    expect(sample(text, 'websocket_reconnects_total')).toBe(0);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(metrics.contentType).toMatch(/^text\/plain/);
    metrics.dispose();
  });

  it('init sets gauges from the store', async () => {
    const { metrics } = setup();
    metrics.init({
      skills_cached: 500, categories_cached: 20, last_success_seconds: 1_771_495_200, rating_pending: 3, failed_uploads: 2,
      conflicts: { unresolved: 5, by_severity: { low: 1, medium: 0, high: 3, critical: 1 } },
    });
    const text = await metrics.render();
    expect(sample(text, 'sync_skills_cached')).toBe(500);
    expect(sample(text, 'sync_categories_cached')).toBe(20);
    expect(sample(text, 'sync_last_success_timestamp_seconds')).toBe(1_771_495_200);
    expect(sample(text, 'rating_sync_pending')).toBe(3);
    expect(sample(text, 'rating_sync_failed_uploads')).toBe(2);
    expect(sample(text, 'conflicts_unresolved{severity="high"}')).toBe(3);
    metrics.dispose();
  });

  it('sync events move runs, durations, errors, progress and last success', async () => {
    const { events, metrics } = setup();
    events.emit('sync.started', { run_id: 1, mode: 'full', at: '2026-02-19T10:00:00.000Z' });
    expect(sample(await metrics.render(), 'sync_in_progress')).toBe(1);
    events.emit('sync.error', { operation: 'skills', kind: 'timeout', message: 'slow', at: '2026-02-19T10:00:01.000Z' });
    events.emit('sync.finished', { run_id: 1, mode: 'full', result: 'failure', items: 0, skipped: 0, duration_ms: 700, error: 'slow', error_kind: 'timeout', at: '2026-02-19T10:00:01.000Z' });
    events.emit('sync.finished', { run_id: 2, mode: 'incremental', result: 'success', items: 4, skipped: 0, duration_ms: 42_000, error: null, error_kind: null, at: '2026-02-19T10:05:00.000Z' });
    events.emit('catalogue.counts', { skills_cached: 321, categories_cached: 9 });
    const text = await metrics.render();
    expect(sample(text, 'sync_in_progress')).toBe(0);
    expect(sample(text, 'sync_runs_total{mode="full",result="failure"}')).toBe(1);
    expect(sample(text, 'sync_runs_total{mode="incremental",result="success"}')).toBe(1);
    expect(sample(text, 'sync_errors_total{operation="skills",kind="timeout"}')).toBe(1);
    expect(sample(text, 'sync_duration_seconds_bucket{le="1",mode="full",result="failure"}')).toBe(1);
    expect(sample(text, 'sync_duration_seconds_bucket{le="30",mode="incremental",result="success"}')).toBe(0);
    expect(sample(text, 'sync_duration_seconds_bucket{le="60",mode="incremental",result="success"}')).toBe(1);
    expect(sample(text, 'sync_duration_seconds_sum{mode="incremental",result="success"}')).toBe(42);
    expect(sample(text, 'sync_last_success_timestamp_seconds')).toBe(Date.parse('2026-02-19T10:05:00Z') / 1000);
    expect(sample(text, 'sync_skills_cached')).toBe(321);
    expect(sample(text, 'sync_categories_cached')).toBe(9);
    metrics.dispose();
  });

  it('websocket, rating, conflict and scheduler events move their series', async () => {
    const { events, clock, metrics } = setup();
    events.emit('websocket.state', wsState('connected', '2026-02-19T09:59:00.000Z'));
    events.emit('websocket.reconnect', { reconnect_count: 1 });
    events.emit('websocket.reconnect', { reconnect_count: 2 });
    events.emit('websocket.message', { type: 'skill_update' });
    events.emit('websocket.message', { type: 'weird<type>' });
    events.emit('ratings.upload', { result: 'accepted', count: 7 });
    events.emit('ratings.upload', { result: 'failed', count: 2 });
    events.emit('ratings.status', { status: 'idle', last_sync: null, pending_count: 4, uploaded_total: 7, failed_count: 2, last_error: null });
    events.emit('conflict.detected', { id: 1, entity_id: 's1', severity: 'critical', conflict_type: 'both_modified', created: true });
    events.emit('conflict.detected', { id: 1, entity_id: 's1', severity: 'critical', conflict_type: 'both_modified', created: false });
    events.emit('conflicts.counts', { unresolved: 1, by_severity: { low: 0, medium: 0, high: 0, critical: 1 } });
    events.emit('conflict.resolved', { id: 1, entity_id: 's1', strategy: 'merge', resolved_by: 'api' });
    events.emit('scheduler.state', { running: true, paused: true, next_sync: null });
    let text = await metrics.render();
    expect(sample(text, 'websocket_connected')).toBe(1);
    expect(sample(text, 'websocket_reconnects_total')).toBe(2);
    expect(sample(text, 'websocket_messages_total{type="skill_update"}')).toBe(1);
    expect(sample(text, 'websocket_messages_total{type="other"}')).toBe(1);
    expect(sample(text, 'websocket_last_message_timestamp_seconds')).toBe(clock.now() / 1000);
    expect(sample(text, 'rating_sync_uploads_total{result="accepted"}')).toBe(7);
    expect(sample(text, 'rating_sync_uploads_total{result="failed"}')).toBe(2);
    expect(sample(text, 'rating_sync_pending')).toBe(4);
    expect(sample(text, 'rating_sync_failed_uploads')).toBe(2);
    expect(sample(text, 'conflicts_detected_total{severity="critical"}')).toBe(1);
    expect(sample(text, 'conflicts_unresolved{severity="critical"}')).toBe(1);
    expect(sample(text, 'conflicts_resolved_total{strategy="merge"}')).toBe(1);
    expect(sample(text, 'sync_scheduler_running')).toBe(1);
    expect(sample(text, 'sync_paused')).toBe(1);
    events.emit('websocket.state', wsState('backoff'));
    text = await metrics.render();
    expect(sample(text, 'websocket_connected')).toBe(0);
    metrics.dispose();
  });

  it('two engines in one process keep separate registries', async () => {
    const a = setup();
    const b = setup();
    a.events.emit('websocket.reconnect', { reconnect_count: 1 });
    expect(sample(await a.metrics.render(), 'websocket_reconnects_total')).toBe(1);
    expect(sample(await b.metrics.render(), 'websocket_reconnects_total')).toBe(0);
    a.metrics.dispose();
    b.metrics.dispose();
  });

  it('passes promtool check metrics', async (ctx) => {
    const tool = await promtool();
    if (!tool) {
      ctx.skip('promtool is not installed (apt-get install prometheus); exposition lint skipped');
      return;
    }
    const { events, metrics } = setup();
    events.emit('sync.finished', { run_id: 1, mode: 'full', result: 'success', items: 3, skipped: 0, duration_ms: 1500, error: null, error_kind: null, at: '2026-02-19T10:00:00.000Z' });
    events.emit('sync.error', { operation: 'ratings_upload', kind: 'rate_limited', message: 'slow down', at: '2026-02-19T10:00:00.000Z' });
    events.emit('websocket.message', { type: 'ping' });
    const text = await metrics.render();
    const child = execFile(tool, ['check', 'metrics']);
    const result = new Promise<{ code: number | null; output: string }>((resolve) => {
      let output = '';
      child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      child.on('close', (code) => resolve({ code, output }));
    });
    child.stdin?.end(text);
    const { code, output } = await result;
    expect(output).toBe('');
    expect(code).toBe(0);
    metrics.dispose();
  });
});
