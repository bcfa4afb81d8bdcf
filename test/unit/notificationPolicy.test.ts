import { describe, expect, it } from 'vitest';
import type { EngineSnapshot } from '../../engine/contracts/localHttpApi.js';
import { NotificationPolicy, type NewConflict, type NotificationPolicyOptions } from '../../electron/model/notificationPolicy.js';

const T0 = Date.parse('2025-06-01T12:00:00Z');
const MIN = 60_000;
const ok = { healthy: true, status: 'healthy' as const, detail: 'ok' };

interface Over {
  sync?: Partial<EngineSnapshot['sync']>;
  websocket?: Partial<EngineSnapshot['websocket']>;
}
function snap(over: Over = {}): EngineSnapshot {
  return {
    at: new Date(T0).toISOString(),
    demo_mode: false,
    sync: {
      status: 'idle', paused: false, paused_until: null, mode: null, run_id: null, last_sync: new Date(T0).toISOString(), sync_age_minutes: 0,
      skills_cached: 10, categories_cached: 2, last_error: null, last_error_kind: null, next_sync: null, progress: null,
      consecutive_failures: 0, invalid_items: 0, demo_mode: false, ...over.sync,
    },
    health: {
      status: 'healthy', last_sync: null, sync_age_minutes: 0, websocket_connected: true, scheduler_running: true, recent_errors: 0,
      checks: { last_sync: ok, websocket: ok, scheduler: ok, errors: ok, database: ok },
    },
    websocket: {
      connected: true, last_message: null, reconnect_count: 0, enabled: true, state: 'connected', next_retry_at: null,
      connected_since: null, last_error: null, ...over.websocket,
    },
    ratings: { status: 'idle', last_sync: null, pending_count: 0, uploaded_total: 0, failed_count: 0, last_error: null },
    conflicts: { unresolved: 0, by_severity: { low: 0, medium: 0, high: 0, critical: 0 } },
    api: { listening: true, url: null, error: null },
    replica: { role: 'leader', instance_id: 'atom-sync-local', leader_id: 'atom-sync-local' },
  };
}

/** A policy already past its start-up quiet period, with an injected clock. */
function setup(options: NotificationPolicyOptions = {}) {
  let now = T0;
  const policy = new NotificationPolicy(now, { wakeGraceMs: MIN, ...options });
  now += MIN;
  return {
    policy,
    at: () => now,
    advance(ms: number) {
      now += ms;
    },
    evaluate(s: EngineSnapshot = snap()) {
      return policy.evaluate(s, now);
    },
  };
}
const conflict = (id: number, severity: NewConflict['severity'] = 'medium', name = `skill-${id}`): NewConflict => ({ id, name, severity });
const failing = (n: number) => snap({ sync: { consecutive_failures: n, last_error: 'remote unavailable (503)', last_error_kind: 'unavailable' } });
const socketDown = snap({ websocket: { connected: false, state: 'backoff' } });

describe('notification policy: what is said', () => {
  it('says nothing while everything is fine', () => {
    const t = setup();
    expect(t.evaluate()).toEqual([]);
  });

  it('names a single new conflict and opens the conflict view', () => {
    const t = setup();
    t.policy.conflictDetected(conflict(1, 'critical', 'PDF Extractor'));
    expect(t.evaluate()).toEqual([
      expect.objectContaining({ kind: 'conflicts', title: 'Critical conflict: PDF Extractor', route: '#/conflicts', urgent: true }),
    ]);
  });

  it('summarises many new conflicts in one notification, naming the critical ones', () => {
    const t = setup();
    for (let i = 1; i <= 37; i++) t.policy.conflictDetected(conflict(i, i <= 4 ? 'critical' : 'low', `s${i}`));
    const out = t.evaluate();
    expect(out).toHaveLength(1);
    expect(out[0]!.title).toBe('37 new conflicts');
    expect(out[0]!.body).toContain('4 critical: s1, s2, s3 (+1 more)');
    expect(out[0]!.route).toBe('#/conflicts');
    // said once: nothing pending afterwards
    t.advance(60 * MIN);
    expect(t.evaluate()).toEqual([]);
  });

  it('counts a conflict reported twice once', () => {
    const t = setup();
    t.policy.conflictDetected(conflict(7));
    t.policy.conflictDetected(conflict(7));
    t.policy.conflictDetected(conflict(8));
    expect(t.evaluate()[0]!.title).toBe('2 new conflicts');
  });

  it('tells when sync fails N runs in a row, once per episode', () => {
    const t = setup({ failingRuns: 3 });
    expect(t.evaluate(failing(2))).toEqual([]);
    const out = t.evaluate(failing(3));
    expect(out).toEqual([expect.objectContaining({ kind: 'sync_failing', title: 'Sync is failing', route: '#/' })]);
    expect(out[0]!.body).toContain('3 runs in a row failed: remote unavailable (503)');
    t.advance(60 * MIN);
    expect(t.evaluate(failing(9))).toEqual([]);
  });

  it('tells when the WebSocket stays down past the grace period, not before', () => {
    const t = setup({ websocketGraceMs: 2 * MIN });
    expect(t.evaluate(socketDown)).toEqual([]);
    t.advance(MIN);
    expect(t.evaluate(socketDown)).toEqual([]);
    t.advance(MIN);
    const out = t.evaluate(socketDown);
    expect(out).toEqual([expect.objectContaining({ kind: 'websocket_down', title: 'Live updates are down' })]);
    expect(out[0]!.body).toContain('2 min');
  });

  it('does not count a short drop that recovered', () => {
    const t = setup({ websocketGraceMs: 2 * MIN });
    t.evaluate(socketDown);
    t.advance(90_000);
    t.evaluate();
    t.advance(60_000);
    expect(t.evaluate(socketDown)).toEqual([]);
  });

  it('tells when Atom SaaS refuses the token', () => {
    const t = setup();
    const out = t.evaluate(snap({ websocket: { connected: false, state: 'auth_failed' } }));
    expect(out).toEqual([expect.objectContaining({ kind: 'auth', urgent: true })]);
    // the auth failure is not also reported as "live updates down"
    t.advance(10 * MIN);
    expect(t.evaluate(snap({ websocket: { connected: false, state: 'auth_failed' } }))).toEqual([]);
  });
});

describe('notification policy: rate limits', () => {
  it('holds conflicts that arrive during the suppression window and summarises them after', () => {
    const t = setup({ baseSuppressionMs: 5 * MIN });
    t.policy.conflictDetected(conflict(1));
    expect(t.evaluate()).toHaveLength(1);
    t.advance(MIN);
    t.policy.conflictDetected(conflict(2));
    t.policy.conflictDetected(conflict(3));
    expect(t.evaluate()).toEqual([]);
    t.advance(4 * MIN);
    expect(t.evaluate()[0]!.title).toBe('2 new conflicts');
  });

  it('doubles the window while a kind keeps firing, and forgives after a long quiet', () => {
    const t = setup({ baseSuppressionMs: 5 * MIN, maxSuppressionMs: 15 * MIN });
    const fire = () => {
      t.policy.conflictDetected(conflict(Math.floor(t.at() / 1000)));
      return t.evaluate().length;
    };
    expect(fire()).toBe(1); // window now 5 min
    t.advance(5 * MIN);
    expect(fire()).toBe(1); // fired again within 4 windows: window 10 min
    t.advance(5 * MIN);
    expect(fire()).toBe(0); // suppressed (held)
    t.advance(5 * MIN);
    expect(fire()).toBe(1); // window now 15 min (capped)
    t.advance(14 * MIN);
    expect(fire()).toBe(0);
    t.advance(MIN);
    expect(fire()).toBe(1); // 15 min cap holds
    t.advance(4 * 15 * MIN);
    expect(fire()).toBe(1); // long quiet: back to 5 min
    t.advance(5 * MIN);
    expect(fire()).toBe(1);
  });

  it('rate-limits a flapping WebSocket per kind, without holding back other kinds', () => {
    const t = setup({ websocketGraceMs: 0, baseSuppressionMs: 10 * MIN });
    expect(t.evaluate(socketDown)).toHaveLength(1);
    t.advance(MIN);
    t.evaluate(); // back up: episode over
    t.advance(MIN);
    expect(t.evaluate(socketDown)).toEqual([]); // a new episode, but inside the window
    t.policy.conflictDetected(conflict(1));
    expect(t.evaluate(socketDown).map((n) => n.kind)).toEqual(['conflicts']);
    t.advance(8 * MIN);
    expect(t.evaluate(socketDown).map((n) => n.kind)).toEqual(['websocket_down']); // still down when the window opens
  });
});

describe('notification policy: quiet periods and settings', () => {
  it('stays quiet right after start', () => {
    const policy = new NotificationPolicy(T0, { wakeGraceMs: 90_000 });
    policy.conflictDetected(conflict(1));
    expect(policy.evaluate(failing(5), T0 + 10_000)).toEqual([]);
    expect(policy.evaluate(failing(5), T0 + 90_000).map((n) => n.kind).sort()).toEqual(['conflicts', 'sync_failing']);
  });

  it('gives the reconnect a grace period after a wake from sleep', () => {
    const t = setup({ websocketGraceMs: 2 * MIN, wakeGraceMs: 90_000 });
    t.evaluate(socketDown); // went down before sleeping
    t.advance(8 * 60 * MIN); // asleep overnight
    t.policy.resumed(t.at());
    expect(t.evaluate(socketDown)).toEqual([]); // just woke: the socket is still reconnecting
    t.advance(60_000);
    expect(t.evaluate(socketDown)).toEqual([]);
    t.advance(30_000);
    expect(t.evaluate(snap())).toEqual([]); // reconnected within the grace period
    // had it stayed down, it would be told once the websocket grace passed after the wake
    t.policy.resumed(t.at());
    t.evaluate(socketDown);
    t.advance(2 * MIN);
    expect(t.evaluate(socketDown).map((n) => n.kind)).toEqual(['websocket_down']);
  });

  it('"none" says nothing and drops what was pending', () => {
    const t = setup({ level: 'none' });
    t.policy.conflictDetected(conflict(1, 'critical'));
    expect(t.evaluate(failing(10))).toEqual([]);
    t.policy.setLevel('all');
    expect(t.evaluate()).toEqual([]);
  });

  it('"errors" tells failures and critical conflicts only', () => {
    const t = setup({ level: 'errors' });
    t.policy.conflictDetected(conflict(1, 'low'));
    t.policy.conflictDetected(conflict(2, 'high'));
    expect(t.evaluate()).toEqual([]);
    t.policy.conflictDetected(conflict(3, 'critical', 'Billing Skill'));
    t.policy.conflictDetected(conflict(4, 'low'));
    expect(t.evaluate(failing(3)).map((n) => n.title).sort()).toEqual(['Critical conflict: Billing Skill', 'Sync is failing']);
  });

  it('switching level takes effect at once', () => {
    const t = setup({ level: 'all' });
    t.policy.setLevel('none');
    expect(t.policy.notificationLevel).toBe('none');
    expect(t.evaluate(failing(5))).toEqual([]);
    t.policy.setLevel('errors');
    expect(t.evaluate(failing(5)).map((n) => n.kind)).toEqual(['sync_failing']);
  });
});
