import { describe, expect, it } from 'vitest';
import { applyChoices, checkChoiceFields } from '../../engine/conflicts/mergeChoices.js';
import { fieldSeverity, highestSeverity } from '../../engine/conflicts/severity.js';
import { changedFields, sameJson, threeWayMerge, type JsonObject } from '../../engine/conflicts/threeWayMerge.js';
import { EngineError } from '../../engine/errors.js';

const base: JsonObject = {
  skill_id: 's1',
  name: 'Alpha',
  description: 'first',
  version: '1.0.0',
  code: 'print(1)',
  tags: ['a', 'b'],
  parameters: { x: 1, y: [1, 2] },
  updated_at: '2026-01-01T00:00:00.000Z',
  average_rating: 4,
  rating_count: 2,
};
const edit = (over: JsonObject): JsonObject => ({ ...base, ...over });

describe('threeWayMerge', () => {
  const cases: Array<{ name: string; local: JsonObject; remote: JsonObject; merged: JsonObject; clashes: string[] }> = [
    { name: 'nothing changed', local: base, remote: base, merged: base, clashes: [] },
    { name: 'only local changed', local: edit({ description: 'mine' }), remote: base, merged: edit({ description: 'mine' }), clashes: [] },
    { name: 'only remote changed', local: base, remote: edit({ code: 'print(2)' }), merged: edit({ code: 'print(2)' }), clashes: [] },
    {
      name: 'different fields on each side merge',
      local: edit({ description: 'mine' }),
      remote: edit({ version: '1.1.0', parameters: { x: 2, y: [1, 2] } }),
      merged: edit({ description: 'mine', version: '1.1.0', parameters: { x: 2, y: [1, 2] } }),
      clashes: [],
    },
    { name: 'both changed the same way', local: edit({ tags: ['c'] }), remote: edit({ tags: ['c'] }), merged: edit({ tags: ['c'] }), clashes: [] },
    {
      name: 'both changed differently clash (local kept until chosen)',
      local: edit({ code: 'rm -rf /', description: 'mine' }),
      remote: edit({ code: 'print(3)', name: 'Alpha 2' }),
      merged: edit({ code: 'rm -rf /', description: 'mine', name: 'Alpha 2' }),
      clashes: ['code'],
    },
    {
      name: 'deep equality of JSON values ignores key order',
      local: edit({ parameters: { y: [1, 2], x: 1 } }),
      remote: edit({ parameters: { x: 1, y: [1, 2] }, description: 'theirs' }),
      merged: edit({ parameters: { y: [1, 2], x: 1 }, description: 'theirs' }),
      clashes: [],
    },
    {
      name: 'a field removed remotely and untouched locally is removed',
      local: base,
      remote: (({ code: _c, ...rest }) => rest)(base),
      merged: (({ code: _c, ...rest }) => rest)(base),
      clashes: [],
    },
    {
      name: 'a field added on both sides with different values clashes',
      local: edit({ command: 'a' }),
      remote: edit({ command: 'b' }),
      merged: edit({ command: 'a' }),
      clashes: ['command'],
    },
    {
      name: 'bookkeeping follows the remote and never clashes',
      local: edit({ updated_at: '2026-02-01T00:00:00.000Z', average_rating: 1, rating_count: 99 }),
      remote: edit({ updated_at: '2026-03-01T00:00:00.000Z', average_rating: 4.5, rating_count: 3 }),
      merged: edit({ updated_at: '2026-03-01T00:00:00.000Z', average_rating: 4.5, rating_count: 3 }),
      clashes: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = threeWayMerge(base, c.local, c.remote);
      expect(result.clashes).toEqual(c.clashes);
      expect(sameJson(result.merged, c.merged)).toBe(true);
    });
  }

  it('lists every content field that differs anywhere, with mergeability and severity', () => {
    const result = threeWayMerge(base, edit({ code: 'x', description: 'mine', tags: ['z'] }), edit({ code: 'y', version: '2.0.0', tags: ['z'] }));
    const byField = Object.fromEntries(result.fields.map((f) => [f.field, f]));
    expect(Object.keys(byField).sort()).toEqual(['code', 'description', 'tags', 'version']);
    expect(byField.code).toMatchObject({ mergeable: false, severity: 'critical', local: 'x', remote: 'y', base: 'print(1)' });
    expect(byField.version).toMatchObject({ mergeable: true, severity: 'high', localChanged: false, remoteChanged: true });
    expect(byField.tags).toMatchObject({ mergeable: true, localChanged: true, remoteChanged: true });
    expect(result.localChanged.sort()).toEqual(['code', 'description', 'tags']);
  });

  it('treats an absent key and null as the same value', () => {
    expect(threeWayMerge({ ...base, author: null }, (({ author: _a, ...r }) => r)({ ...base, author: null }), base).fields).toEqual([]);
    expect(changedFields({ a: null }, {})).toEqual([]);
  });
});

describe('severity', () => {
  it.each([
    ['code', 'critical'],
    ['command', 'critical'],
    ['local_files', 'critical'],
    ['version', 'high'],
    ['python_packages', 'high'],
    ['npm_packages', 'high'],
    ['parameters', 'medium'],
    ['metadata', 'medium'],
    ['env_vars', 'medium'],
    ['description', 'low'],
    ['anything_else', 'low'],
  ] as const)('%s is %s', (field, severity) => expect(fieldSeverity(field)).toBe(severity));

  it('takes the highest, never below the floor', () => {
    expect(highestSeverity(['description', 'parameters'])).toBe('medium');
    expect(highestSeverity(['description'], 'high')).toBe('high');
    expect(highestSeverity(['code'], 'high')).toBe('critical');
    expect(highestSeverity([])).toBe('low');
  });
});

describe('merge choices', () => {
  const local = edit({ code: 'mine', description: 'mine' });
  const remote = edit({ code: 'theirs', description: 'theirs', version: '1.2.0' });
  const merge = threeWayMerge(base, local, remote);

  it('refuses without a choice for each clashing field, naming them', () => {
    const error = (() => {
      try {
        applyChoices(merge, local, remote, { code: 'remote' });
      } catch (e) {
        return e as EngineError;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({ code: 'merge_not_possible', status: 409, extra: { fields: ['description'] } });
    expect(error!.detail).toContain('description');
  });

  it('applies "local", "remote", {"value": x} and bare values', () => {
    expect(applyChoices(merge, local, remote, { code: 'remote', description: 'local' })).toMatchObject({ code: 'theirs', description: 'mine', version: '1.2.0' });
    expect(applyChoices(merge, local, remote, { code: { value: 'chosen' }, description: { text: 1 } })).toMatchObject({ code: 'chosen', description: { text: 1 } });
    expect(applyChoices(merge, local, remote, { code: 'local', description: 42, version: 'local' })).toMatchObject({ code: 'mine', description: 42, version: '1.0.0' });
  });

  it('rejects a choice for a field that does not exist, or that the remote owns', () => {
    expect(() => checkChoiceFields({ nope: 'local' }, base, local, remote)).toThrow(expect.objectContaining({ code: 'invalid_merge_choice', status: 400 }));
    expect(() => checkChoiceFields({ updated_at: 'local' }, base, local, remote)).toThrow(expect.objectContaining({ code: 'invalid_merge_choice' }));
    expect(() => checkChoiceFields({ code: 'local', version: 'remote' }, base, local, remote)).not.toThrow();
  });

  it('refuses a result without a name', () => {
    expect(() => applyChoices(merge, local, remote, { code: 'local', description: 'local', name: { value: '' } })).toThrow(
      expect.objectContaining({ code: 'invalid_merge_choice' }),
    );
  });
});
