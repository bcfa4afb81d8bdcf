/**
 * The operations a model-based sequence is made of. Targets are fractions in [0, 1) resolved
 * against the live state when the operation runs (which skill is cached, which conflict is open
 * depends on timing), so the same seed always yields the same list of operations.
 */
export type Strategy = 'local_wins' | 'remote_wins' | 'merge';
export type SyncMode = 'incremental' | 'full';
export type FaultSet = Record<string, unknown>;

export type Op =
  /** `update` random remote skills (a `tied` bulk shares one updated_at). */
  | { kind: 'remote_update'; count: number; push: boolean; tied: boolean }
  /** Remote changes to skills the local side edited: the way conflicts arise. `critical` also changes `code`. */
  | { kind: 'remote_update_edited'; pick: number; count: number; critical: boolean; push: boolean }
  /** Deletes skills outside the rated set; `edited` prefers locally edited ones (deletion conflicts). */
  | { kind: 'remote_delete'; pick: number; count: number; edited: boolean; push: boolean }
  | { kind: 'remote_add'; count: number; push: boolean }
  /** Other users' ratings. */
  | { kind: 'remote_ratings'; count: number; push: boolean }
  /** The local Atom edits a cached skill's description, or its `code` (critical). */
  | { kind: 'local_edit'; pick: number; field: 'description' | 'code' }
  | { kind: 'local_rate'; pick: number; user: number; rating: number }
  /** Same user, same skill again: an UPDATE of the newest local row, or a new row. */
  | { kind: 'local_rerate'; pick: number; rating: number; inPlace: boolean }
  /** One open conflict through the admin API; `salt` decides merge field choices after a 409. */
  | { kind: 'resolve'; pick: number; strategy: Strategy; salt: number }
  /** Bulk resolution: every open conflict, or a share of them by id. */
  | { kind: 'bulk_resolve'; strategy: Strategy; all: boolean; share: number; salt: number }
  | { kind: 'sync'; mode: SyncMode }
  | { kind: 'rating_sync' }
  | { kind: 'ws_reconnect' }
  /** Replaces the emulator's fault set ({} clears it). */
  | { kind: 'faults'; faults: FaultSet }
  /** SIGKILL while something is in flight, then a restart on the same database file. */
  | { kind: 'kill'; during: 'sync' | 'upload' | 'resolve' | 'idle'; mode: SyncMode; delayMs: number; ratings: number; salt: number }
  | { kind: 'pause'; ms: number };

export interface SequenceConfig {
  seed: number;
  /** Seeded catalogue size of the emulator. */
  skills: number;
  /** The last `rated` seeded skills: local ratings go there, and the model never deletes them remotely. */
  rated: number;
  batchSize: number;
  ratingBatchSize: number;
  /** ATOM_SAAS_CONFLICT_STRATEGY for this sequence. */
  strategy: 'manual' | Strategy;
  ops: Op[];
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** One short line per operation, for the log of a failing sequence. */
export function describeOp(op: Op): string {
  switch (op.kind) {
    case 'remote_update':
      return `remote update ${op.count}${op.tied ? ' tied' : ''}${op.push ? '' : ' (no push)'}`;
    case 'remote_update_edited':
      return `remote update of ${op.count} locally edited${op.critical ? ' with code' : ''}${op.push ? '' : ' (no push)'}`;
    case 'remote_delete':
      return `remote delete ${op.count}${op.edited ? ' (edited first)' : ''}${op.push ? '' : ' (no push)'}`;
    case 'remote_add':
      return `remote add ${op.count}${op.push ? '' : ' (no push)'}`;
    case 'remote_ratings':
      return `remote ratings ${op.count}`;
    case 'local_edit':
      return `local edit ${op.field} @${pct(op.pick)}`;
    case 'local_rate':
      return `local rate @${pct(op.pick)} user ${op.user} → ${op.rating}`;
    case 'local_rerate':
      return `local re-rate @${pct(op.pick)} → ${op.rating} (${op.inPlace ? 'update in place' : 'new row'})`;
    case 'resolve':
      return `resolve @${pct(op.pick)} ${op.strategy}`;
    case 'bulk_resolve':
      return `bulk resolve ${op.all ? 'all' : pct(op.share)} ${op.strategy}`;
    case 'sync':
      return `sync ${op.mode}`;
    case 'rating_sync':
      return 'rating sync';
    case 'ws_reconnect':
      return 'websocket reconnect';
    case 'faults':
      return `faults ${JSON.stringify(op.faults)}`;
    case 'kill':
      return `SIGKILL during ${op.during}${op.during === 'sync' ? ` (${op.mode})` : ''} after ${op.delayMs} ms`;
    case 'pause':
      return `pause ${op.ms} ms`;
  }
}
