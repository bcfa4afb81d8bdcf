import { describe, expect, it } from 'vitest';
import type { ConflictField, RunSummary } from '../../engine/contracts/localHttpApi.js';
import { findBridge } from '../../renderer/src/api/bridge.js';
import { editsAsText, parseEdited, sameValue, showValue } from '../../renderer/src/lib/fieldValue.js';
import { parseRoute, routeHref } from '../../renderer/src/lib/route.js';
import { buildMergeFields } from '../../renderer/src/views/conflicts/mergeChoices.js';
import { buildChartModel } from '../../renderer/src/views/dashboard/runsChartModel.js';

describe('hash routes', () => {
  it('parses each view and round-trips through routeHref', () => {
    expect(parseRoute('')).toEqual({ name: 'dashboard' });
    expect(parseRoute('#/')).toEqual({ name: 'dashboard' });
    expect(parseRoute('#/uploads')).toEqual({ name: 'uploads' });
    expect(parseRoute('#/conflicts')).toEqual({ name: 'conflicts', tab: 'open' });
    expect(parseRoute('#/conflicts/resolved')).toEqual({ name: 'conflicts', tab: 'resolved' });
    expect(parseRoute('#/conflicts/42')).toEqual({ name: 'conflict', id: 42 });
    expect(parseRoute('#/conflicts/42/')).toEqual({ name: 'conflict', id: 42 });
    for (const hash of ['#/', '#/uploads', '#/conflicts', '#/conflicts/resolved', '#/conflicts/7', '#/settings']) {
      expect(routeHref(parseRoute(hash))).toBe(hash);
    }
  });

  it('sends unknown or malformed paths to not-found', () => {
    expect(parseRoute('#/conflicts/0').name).toBe('notFound');
    expect(parseRoute('#/conflicts/abc').name).toBe('notFound');
    expect(parseRoute('#/nope').name).toBe('notFound');
  });
});

describe('field values', () => {
  it('shows strings as text and other values as JSON', () => {
    expect(showValue('plain')).toBe('plain');
    expect(showValue(['a', 'b'])).toBe('[\n  "a",\n  "b"\n]');
    expect(showValue(3)).toBe('3');
  });

  it('edits strings as text and parses anything else as JSON', () => {
    expect(editsAsText('a', null)).toBe(true);
    expect(editsAsText('a', ['x'])).toBe(false);
    expect(parseEdited('{"a": 1}', false)).toEqual({ ok: true, value: { a: 1 } });
    expect(parseEdited('{"a": 1}', true)).toEqual({ ok: true, value: '{"a": 1}' });
    const bad = parseEdited('{oops', false);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/^Not valid JSON/);
  });

  it('compares JSON values deeply', () => {
    expect(sameValue({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(sameValue({ a: [1] }, { a: [2] })).toBe(false);
    expect(sameValue(null, undefined)).toBe(true);
    expect(sameValue('1', 1)).toBe(false);
  });
});

describe('merge choices', () => {
  const field = (name: string, local: unknown, remote: unknown): ConflictField => ({
    field: name,
    base: null,
    local,
    remote,
    mergeable: false,
    severity: 'medium',
  });
  const clashing = [field('description', 'mine', 'theirs'), field('tags', ['a'], ['b']), field('code', 'x = 1', 'x = 2')];

  it('builds the fields body from the choices', () => {
    const built = buildMergeFields(clashing, {
      description: { kind: 'remote' },
      tags: { kind: 'edit', text: '["a", "b"]' },
      code: { kind: 'edit', text: 'x = 3' },
    });
    expect(built).toEqual({ ok: true, fields: { description: 'remote', tags: { value: ['a', 'b'] }, code: { value: 'x = 3' } } });
  });

  it('names every field without a choice or with invalid JSON', () => {
    const built = buildMergeFields(clashing, { tags: { kind: 'edit', text: '[oops' }, code: { kind: 'local' } });
    expect(built.ok).toBe(false);
    if (!built.ok) {
      expect(Object.keys(built.errors).sort()).toEqual(['description', 'tags']);
      expect(built.errors.tags).toMatch(/Not valid JSON/);
    }
  });
});

describe('runs chart model', () => {
  const run = (id: number, duration: number | null, result: RunSummary['result'] = 'success'): RunSummary => ({
    id,
    stream: 'skills',
    mode: 'incremental',
    started_at: `2025-01-01T00:00:${String(id).padStart(2, '0')}.000Z`,
    finished_at: null,
    result,
    items: 0,
    duration_ms: duration,
    error: null,
    error_kind: null,
  });

  it('orders finished runs oldest first, scales to the longest and marks failures', () => {
    const model = buildChartModel([run(4, null, 'running'), run(3, 2_000, 'failure'), run(2, 4_000), run(1, 1_000)], { width: 300, height: 100 });
    expect(model.bars.map((b) => b.id)).toEqual([1, 2, 3]);
    expect(model.bars.map((b) => b.height)).toEqual([25, 100, 50]);
    expect(model.bars.map((b) => b.failed)).toEqual([false, false, true]);
    expect(model.failed).toBe(1);
    expect(model.maxMs).toBe(4_000);
    expect(model.medianMs).toBe(2_000);
    expect(model.bars.every((b) => b.x >= 0 && b.x + b.width <= 300 && b.y + b.height === 100)).toBe(true);
  });

  it('is empty without finished runs', () => {
    expect(buildChartModel([run(1, null, 'running')], { width: 300, height: 100 }).bars).toEqual([]);
  });
});

describe('bridge detection', () => {
  it('finds the preload bridge only when it has both calls', () => {
    const bridge = { request: async () => ({ status: 200, body: '{}' }), onEvent: () => () => undefined };
    expect(findBridge({ atomSync: bridge })).toBe(bridge);
    expect(findBridge({})).toBeNull();
    expect(findBridge({ atomSync: { request: () => null } })).toBeNull();
  });
});
