/**
 * Model-based test of the sync engine, in the spirit of Jepsen: seeded random sequences of remote
 * changes, local edits and ratings, conflict resolutions, syncs, hostile emulator faults and
 * SIGKILLs of the real daemon; then faults lifted, the system quiesced, and the invariants checked
 * (catalogue equals the remote's, every local rating stored once with its newest value, no local
 * edit lost without a recorded choice, last_sync never backwards, the file intact).
 *   CI: 50 sequences. ATOM_MODEL_SCALE=full: 1,000. ATOM_MODEL_SEED=N replays one sequence;
 *   ATOM_MODEL_BASE_SEED and ATOM_MODEL_COUNT pick another range of seeds.
 *   ATOM_MODEL_PARALLEL=k runs k sequences at once (default 2); ATOM_MODEL_VERBOSE=1 prints every log;
 *   ATOM_MODEL_KEEP=1 keeps a failing sequence's database and log.
 */
import { describe, expect, it } from 'vitest';
import { skillIdOf } from '../../emulator/dataset.js';
import type { RemoteSkill } from '../../engine/contracts/remote.js';
import { emulatorCapabilities } from './model/capabilities.js';
import { chooseLaunch } from './model/daemonLauncher.js';
import { ExpectedState } from './model/expectedState.js';
import { generateSequence } from './model/generator.js';
import { catalogueInvariant, editsInvariant, ratingsInvariant, type CachedSkill, type ConflictRecord } from './model/invariants.js';
import { failureDigest, failureReport, summaryLine } from './model/report.js';
import { runSequence, type SequenceResult } from './model/sequenceRunner.js';

const FULL = process.env.ATOM_MODEL_SCALE === 'full';
const ONE_SEED = process.env.ATOM_MODEL_SEED === undefined ? null : Number(process.env.ATOM_MODEL_SEED);
const BASE_SEED = Number(process.env.ATOM_MODEL_BASE_SEED ?? 1);
const COUNT = ONE_SEED !== null ? 1 : Number(process.env.ATOM_MODEL_COUNT ?? (FULL ? 1_000 : 50));
const VERBOSE = process.env.ATOM_MODEL_VERBOSE === '1';
const KEEP = process.env.ATOM_MODEL_KEEP === '1';
const PARALLEL = Math.max(1, Math.min(4, Number(process.env.ATOM_MODEL_PARALLEL ?? 2)));
const SEEDS = ONE_SEED !== null ? [ONE_SEED] : Array.from({ length: COUNT }, (_, i) => BASE_SEED + i);
/** Ten times what a sequence takes on this machine, and at least two minutes. */
const TIMEOUT_MS = Math.ceil(SEEDS.length / PARALLEL) * 30_000 + 120_000;

describe('the model checks catch what they should', () => {
  const skill = (id: string, version: string, description: string): RemoteSkill => ({ skill_id: id, name: `Skill ${id}`, version, description, updated_at: '2026-02-01T00:00:00.000Z' });
  const cached = (s: RemoteSkill, over: Partial<CachedSkill> = {}): CachedSkill => ({
    skill_id: s.skill_id,
    name: s.name,
    description: s.description ?? null,
    version: s.version ?? null,
    remote_updated_at: s.updated_at ?? null,
    local_modified_at: null,
    payload: JSON.stringify(s),
    ...over,
  });

  it('catalogue: a stale, missing or extra row is a problem; an edited row with an open conflict is not', () => {
    const [a, b, c, d] = [skill('a', '1.0.1', 'A'), skill('b', '1.0.0', 'B'), skill('c', '1.0.0', 'C'), skill('d', '1.0.0', 'D')];
    const local = new Map([
      ['a', cached({ ...a, version: '1.0.0' })],
      ['c', cached(c, { description: 'edited', local_modified_at: '2026-02-01T00:00:01.000Z' })],
      ['d', cached(d)],
      ['gone', cached(skill('gone', '1.0.0', 'G'))],
    ]);
    const conflicts: ConflictRecord[] = [{ id: 1, entity_id: 'c', conflict_type: 'both_modified', severity: 'low', status: 'unresolved', strategy: null, resolution: null, resolved_at: null, resolved_by: null, local: null, fields: '["description"]' }];
    const { problems } = catalogueInvariant(local, [a, b, c, { ...d, updated_at: '2026-02-01T00:00:00Z' }], conflicts, new Map([['c', new Set(['description'])]]));
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/a: cached payload differs .* version/);
    expect(problems.join('\n')).toMatch(/b: .*missing locally/);
    expect(problems.join('\n')).toMatch(/gone: cached locally .* deleted on the remote/);
    // a conflict on a skill never edited locally is reported
    expect(catalogueInvariant(local, [a, b, c, d], conflicts, new Map()).problems.join('\n')).toMatch(/never edited/);
    // a clash on a field the local side never edited is reported
    const versionClash = [{ ...conflicts[0]!, fields: '["description","version"]' }];
    expect(catalogueInvariant(local, [a, b, c, d], versionClash, new Map([['c', new Set(['description'])]])).problems.join('\n')).toMatch(/both sides changed version/);
  });

  it('ratings: a doubled, missing or outdated pair is a problem', () => {
    const model = new ExpectedState();
    model.rate({ rowId: 'r1', skillId: 's1', userId: 'local-user-0', rating: 4, comment: 'x', op: 0 });
    model.rate({ rowId: 'r2', skillId: 's2', userId: 'local-user-1', rating: 2, comment: 'y', op: 1 });
    model.rate({ rowId: 'r3', skillId: 's3', userId: 'local-user-1', rating: 5, comment: 'z', op: 2 });
    const item = (skill_id: string, user_id: string, rating: number, comment: string) =>
      ({ client_rating_id: null, client_rating_ids: [], rating_id: `rating-${skill_id}-${rating}`, skill_id, user_id, rating, comment, received_at: '', updated_at: '', via: 'single', writes: 1 }) as never;
    const received = { items: [item('s1', 'local-user-0', 4, 'x'), item('s2', 'local-user-1', 2, 'y'), item('s2', 'local-user-1', 2, 'y'), item('s3', 'local-user-1', 3, 'old')], total: 4, duplicates: [] };
    const { problems } = ratingsInvariant(model.pairs(), received as never, { pending: 0, failedUploads: 1, firstFailure: 'r9' }, new Set(['s1', 's2', 's3']));
    expect(problems.join('\n')).toMatch(/s2\|local-user-1: stored 2 times/);
    expect(problems.join('\n')).toMatch(/s3\|local-user-1: the remote holds 3/);
    expect(problems.join('\n')).toMatch(/1 failed upload/);
    expect(problems).toHaveLength(3);
  });

  it('edits: an edit gone without a resolution, or kept-local yet lost, is a problem; remote_wins after it is not', () => {
    const s = skill('e', '1.0.0', 'remote text');
    const local = new Map([['e', cached(s)]]);
    const edit = { skillId: 'e', field: 'description' as const, value: 'mine', at: '2026-02-01T00:00:05.000Z', op: 3 };
    const resolved = (strategy: string, at: string): ConflictRecord => ({ id: 7, entity_id: 'e', conflict_type: 'both_modified', severity: 'low', status: 'resolved', strategy, resolution: '{}', resolved_at: at, resolved_by: 'api', local: null, fields: '[]' });
    expect(editsInvariant([edit], local, []).problems.join()).toMatch(/lost with no open conflict/);
    expect(editsInvariant([edit], local, [resolved('remote_wins', '2026-02-01T00:00:04.000Z')]).problems.join()).toMatch(/lost with no open conflict/);
    expect(editsInvariant([edit], local, [resolved('local_wins', '2026-02-01T00:00:06.000Z')]).problems.join()).toMatch(/resolved local_wins/);
    expect(editsInvariant([edit], local, [resolved('remote_wins', '2026-02-01T00:00:06.000Z')]).problems).toEqual([]);
    // Given up by a merge choosing the remote side: a later local_wins on another clash does not bring it back.
    const merged = { ...resolved('merge', '2026-02-01T00:00:06.000Z'), resolution: '{"choices":{"description":"remote"}}' };
    const later = { ...resolved('local_wins', '2026-02-01T00:00:08.000Z'), id: 8 };
    expect(editsInvariant([edit], local, [merged, later]).problems).toEqual([]);
    const keptThenLost = { ...merged, resolution: '{"choices":{"description":"local"}}' };
    expect(editsInvariant([edit], local, [keptThenLost, later]).problems.join()).toMatch(/conflict #8 resolved local_wins/);
    const code = { ...edit, field: 'code' as const };
    const automatic = { ...resolved('remote_wins', '2026-02-01T00:00:06.000Z'), resolved_by: 'auto' };
    expect(editsInvariant([code], local, [automatic]).problems.join()).toMatch(/critical local change given up by an automatic remote_wins/);
  });

  it('the same seed gives the same operations', () => {
    const caps = emulatorCapabilities();
    expect(generateSequence(42, caps)).toEqual(generateSequence(42, caps));
    expect(generateSequence(42, caps)).not.toEqual(generateSequence(43, caps));
    expect(skillIdOf(0)).toBe('skill-000001');
  });
});

describe(`model-based sequences (${ONE_SEED !== null ? `seed ${ONE_SEED}` : `${COUNT} seeds from ${BASE_SEED}`}, ${PARALLEL} at a time)`, () => {
  it('keeps every invariant after quiescence', async () => {
    const caps = emulatorCapabilities();
    const launch = chooseLaunch();
    const started = Date.now();
    const results: SequenceResult[] = [];
    let next = 0;
    const worker = async () => {
      for (let guard = 0; guard < SEEDS.length && next < SEEDS.length; guard++) {
        const seed = SEEDS[next++]!;
        const result = await runSequence(generateSequence(seed, caps), launch, KEEP);
        results.push(result);
        if (result.problems.length > 0 || VERBOSE) console.log(`\n${failureReport(result)}\n`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, SEEDS.length) }, worker));
    results.sort((a, b) => a.config.seed - b.config.seed);
    const seconds = (Date.now() - started) / 1000;
    const slowest = Math.max(...results.map((r) => r.durationMs));
    console.log(`${summaryLine(results, seconds)} (daemon via ${launch}, slowest sequence ${(slowest / 1000).toFixed(1)} s)`);
    expect(results.filter((r) => r.problems.length > 0).map(failureDigest)).toEqual([]);
  }, TIMEOUT_MS);
});
