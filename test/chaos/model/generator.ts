/**
 * Seed → sequence. Everything random is drawn here from the emulator's mulberry32, and always in
 * the same order whatever the emulator supports: knobs it lacks are dropped after the draw, so a
 * seed names the same operations before and after a knob appears.
 */
import { skillIdOf } from '../../../emulator/dataset.js';
import { intBetween, mulberry32, pick, type Rng } from '../../../emulator/prng.js';
import type { FaultSet, Op, SequenceConfig, Strategy } from './operations.js';

export interface Capabilities {
  /** Fault keys the emulator accepts. */
  faults: ReadonlySet<string>;
  /** Mutation keys the emulator accepts. */
  mutation: ReadonlySet<string>;
}

const STRATEGIES: readonly Strategy[] = ['local_wins', 'remote_wins', 'merge'];
const EXTENSIONS = ['updated_since', 'ratings_batch', 'ratings_list'] as const;

/** Weighted operation kinds for an ordinary slot (kills are drawn separately). */
const WEIGHTS: ReadonlyArray<[Op['kind'], number]> = [
  ['remote_update', 9],
  ['remote_update_edited', 12],
  ['remote_delete', 5],
  ['remote_add', 3],
  ['remote_ratings', 3],
  ['local_edit', 14],
  ['local_rate', 8],
  ['local_rerate', 6],
  ['resolve', 9],
  ['bulk_resolve', 4],
  ['sync', 8],
  ['rating_sync', 6],
  ['ws_reconnect', 2],
  ['faults', 6],
  ['pause', 2],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((n, [, w]) => n + w, 0);

function weightedKind(rng: Rng): Op['kind'] {
  let roll = rng() * TOTAL_WEIGHT;
  for (const [kind, weight] of WEIGHTS) {
    roll -= weight;
    if (roll < 0) return kind;
  }
  return 'pause';
}

const salt = (rng: Rng) => Math.floor(rng() * 2 ** 31);

/**
 * A hostile fault set: each knob drawn with its own probability; those the emulator does not
 * know are left out. `poisonable` are skills outside the rated set.
 */
export function randomFaults(rng: Rng, caps: Capabilities, ctx: { batchSize: number; poisonable: readonly string[] }): FaultSet {
  const drawn: FaultSet = {};
  const maybe = (p: number, key: string, value: () => unknown) => {
    // draw the value even when the knob is off, so later draws do not depend on this one
    const on = rng() < p;
    const v = value();
    if (on) drawn[key] = v;
  };
  maybe(0.3, 'http_error_rate', () => Math.round((0.05 + rng() * 0.2) * 100) / 100);
  maybe(1, 'http_status', () => pick(rng, [500, 502, 503]));
  maybe(0.25, 'reset_rate', () => Math.round((0.03 + rng() * 0.12) * 100) / 100);
  maybe(0.25, 'latency_ms', () => intBetween(rng, 1, 25));
  maybe(0.15, 'malformed_rate', () => Math.round((0.03 + rng() * 0.12) * 100) / 100);
  maybe(0.2, 'unsupported_extensions', () => EXTENSIONS.filter(() => rng() < 0.5));
  maybe(0.15, 'listing_churn', () => ({ delete: intBetween(rng, 0, 1), add: intBetween(rng, 0, 1) }));
  maybe(0.2, 'page_size_cap', () => intBetween(rng, 2, Math.max(2, ctx.batchSize - 1)));
  maybe(0.2, 'clock_skew_ms', () => (rng() < 0.5 ? -1 : 1) * intBetween(rng, 500, 120_000));
  maybe(0.2, 'clock_resolution_ms', () => pick(rng, [10, 1000]));
  maybe(0.2, 'since_inclusive', () => true);
  maybe(0.2, 'mixed_precision', () => true);
  maybe(0.25, 'lost_reply_rate', () => Math.round((0.05 + rng() * 0.25) * 100) / 100);
  maybe(0.15, 'poison_ids', () => Array.from({ length: intBetween(rng, 1, 2) }, () => pick(rng, ctx.poisonable)));
  maybe(0.2, 'ws_duplicate_rate', () => Math.round((0.1 + rng() * 0.4) * 100) / 100);
  maybe(0.2, 'ws_reorder_rate', () => Math.round((0.1 + rng() * 0.4) * 100) / 100);
  maybe(0.15, 'conflict_omits_rating_id', () => true);
  maybe(1, 'seed', () => intBetween(rng, 1, 1_000_000));

  const out: FaultSet = {};
  for (const [key, value] of Object.entries(drawn)) {
    if (!caps.faults.has(key)) continue;
    if (key === 'unsupported_extensions' && (value as string[]).length === 0) continue;
    if (key === 'listing_churn' && (value as { delete: number; add: number }).delete + (value as { delete: number; add: number }).add === 0) continue;
    if (key === 'poison_ids') {
      out[key] = [...new Set(value as string[])];
      continue;
    }
    out[key] = value;
  }
  if (out.http_error_rate === undefined) delete out.http_status;
  return out;
}

function op(kind: Op['kind'], rng: Rng, caps: Capabilities, ctx: { batchSize: number; poisonable: readonly string[] }): Op {
  switch (kind) {
    case 'remote_update': {
      const tied = rng() < 0.3;
      const count = tied ? intBetween(rng, 3, 12) : intBetween(rng, 1, 5);
      return { kind, count, push: rng() < 0.7, tied: tied && caps.mutation.has('tied') };
    }
    case 'remote_update_edited':
      return { kind, pick: rng(), count: intBetween(rng, 1, 3), critical: rng() < 0.3, push: rng() < 0.6 };
    case 'remote_delete':
      return { kind, pick: rng(), count: intBetween(rng, 1, 2), edited: rng() < 0.4, push: rng() < 0.7 };
    case 'remote_add':
      return { kind, count: intBetween(rng, 1, 3), push: rng() < 0.7 };
    case 'remote_ratings':
      return { kind, count: intBetween(rng, 1, 4), push: rng() < 0.8 };
    case 'local_edit':
      return { kind, pick: rng(), field: rng() < 0.25 ? 'code' : 'description' };
    case 'local_rate':
      return { kind, pick: rng(), user: intBetween(rng, 0, 3), rating: intBetween(rng, 1, 5) };
    case 'local_rerate':
      return { kind, pick: rng(), rating: intBetween(rng, 1, 5), inPlace: rng() < 0.5 };
    case 'resolve':
      return { kind, pick: rng(), strategy: pick(rng, STRATEGIES), salt: salt(rng) };
    case 'bulk_resolve':
      return { kind, strategy: pick(rng, STRATEGIES), all: rng() < 0.5, share: rng(), salt: salt(rng) };
    case 'sync':
      return { kind, mode: rng() < 0.7 ? 'incremental' : 'full' };
    case 'rating_sync':
      return { kind };
    case 'ws_reconnect':
      return { kind };
    case 'faults':
      return { kind, faults: rng() < 0.25 ? {} : randomFaults(rng, caps, ctx) };
    case 'kill':
      return {
        kind,
        during: pick(rng, ['sync', 'sync', 'upload', 'resolve', 'idle'] as const),
        mode: rng() < 0.5 ? 'incremental' : 'full',
        delayMs: intBetween(rng, 0, 80),
        ratings: intBetween(rng, 2, 8),
        salt: salt(rng),
      };
    case 'pause':
      return { kind, ms: intBetween(rng, 20, 150) };
  }
}

export interface SequenceSize {
  minSkills: number;
  maxSkills: number;
  minOps: number;
  maxOps: number;
}

export const DEFAULT_SIZE: SequenceSize = { minSkills: 30, maxSkills: 80, minOps: 15, maxOps: 40 };

export function generateSequence(seed: number, caps: Capabilities, size: SequenceSize = DEFAULT_SIZE): SequenceConfig {
  const rng = mulberry32(seed);
  const skills = intBetween(rng, size.minSkills, size.maxSkills);
  const rated = intBetween(rng, 6, 12);
  const batchSize = intBetween(rng, 5, 25);
  const ratingBatchSize = intBetween(rng, 2, 10);
  const strategyRoll = rng();
  const strategy: SequenceConfig['strategy'] = strategyRoll < 0.8 ? 'manual' : pick(rng, STRATEGIES);
  const count = intBetween(rng, size.minOps, size.maxOps);
  // Poison and deletions stay off the rated skills (the last `rated` seeded ones): a rating for a
  // skill the remote no longer has is rightly refused, which is not what this test looks at.
  const poisonable = Array.from({ length: skills - rated }, (_, i) => skillIdOf(i));
  const ctx = { batchSize, poisonable };
  const ops: Op[] = [];
  for (let n = 0; n < count; n++) {
    const killRoll = rng();
    const kind = killRoll < 1 / count ? 'kill' : weightedKind(rng);
    ops.push(op(kind, rng, caps, ctx));
  }
  return { seed, skills, rated, batchSize, ratingBatchSize, strategy, ops };
}

/** The rated skills of a sequence: the last `rated` seeded ones. */
export function ratedSkillIds(config: Pick<SequenceConfig, 'skills' | 'rated'>): string[] {
  return Array.from({ length: config.rated }, (_, i) => skillIdOf(config.skills - config.rated + i));
}
