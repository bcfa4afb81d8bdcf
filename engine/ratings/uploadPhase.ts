/**
 * The upload half of a rating sync: pending local ratings and due dead letters, read in keyset
 * pages (never the whole table), sent batch by batch, each outcome recorded as soon as it is
 * known (so a kill mid-batch re-sends only what was not acknowledged). Every store call is one
 * message to the store worker; a store error (a database locked past the limit) fails the run
 * and leaves what was not recorded pending.
 */
import type { Clock } from '../clock.js';
import { isoNow } from '../clock.js';
import type { ErrorKind } from '../contracts/localHttpApi.js';
import type { EngineEvents } from '../events.js';
import type { RatingRow } from '../store/ratingsRepo.js';
import type { RatingStoreCalls } from './ratingStore.js';
import type { RatingUploader, UploadOutcome } from './ratingUploader.js';
import { emptyOutcomeTally, type OutcomeTally, type RecorderOptions } from './uploadRecorder.js';

export interface PhaseProblem {
  kind: ErrorKind;
  message: string;
}

export interface UploadPhaseDeps {
  store: RatingStoreCalls;
  uploader: RatingUploader;
  /** Attempts and backoff cap for the recorder. */
  recording: RecorderOptions;
  events: EngineEvents;
  clock: Clock;
  batchSize: number;
  /** True once stop() was asked: the batch in flight finishes, no new one starts. */
  stopping: () => boolean;
  /** Called after each recorded batch (the service emits its status, throttled). */
  changed: () => void;
}

/** Whole batches failing in a row before the run stops uploading (the remote is down; next run). */
const BATCH_FAILURE_LIMIT = 3;
const MAX_PAGES = 1_000_000;

interface Sent {
  problem: PhaseProblem | null;
  allFailed: boolean;
  stopped: boolean;
}

export class UploadPhase {
  /** Ratings being prepared or uploaded right now, so a manual retry never sends one twice at once. */
  readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly deps: UploadPhaseDeps) {}

  /** Pending local ratings; `respectBackoff` false also sends those still waiting out a backoff. */
  async pending(respectBackoff: boolean, tally: OutcomeTally): Promise<PhaseProblem | null> {
    const { store, clock, batchSize } = this.deps;
    const due = respectBackoff ? isoNow(clock) : null;
    await this.sweep(isoNow(clock));
    if ((await store.read.pendingCount()) === 0) return null;
    return this.drain<string>('', tally, async (after) => {
      const rows = await store.read.pendingPage(after, batchSize, due);
      return { rows, next: rows.length ? rows[rows.length - 1]!.id : null };
    });
  }

  /** Dead letters: all open ones (retry-all), or those whose automatic retry is due. */
  deadLetters(all: boolean, tally: OutcomeTally): Promise<PhaseProblem | null> {
    const now = isoNow(this.deps.clock);
    return this.drain<number>(0, tally, (after) => this.deps.store.read.deadLetterPage(all, now, after, this.deps.batchSize));
  }

  /** Supersedes older unsent rows (pending and dead-lettered), one keyset page per transaction. */
  private async sweep(now: string): Promise<number> {
    let superseded = 0;
    for (const status of ['pending', 'failed'] as const) {
      let after: string | null = '';
      for (let guard = 0; guard < MAX_PAGES && after !== null; guard++) {
        const page: { superseded: number; next: string | null } = await this.deps.store.write.sweepPage(status, after, this.deps.batchSize, now);
        superseded += page.superseded;
        after = page.next;
      }
    }
    return superseded;
  }

  private async drain<K>(start: K, tally: OutcomeTally, fetch: (after: K) => Promise<{ rows: RatingRow[]; next: K | null }>): Promise<PhaseProblem | null> {
    let after = start;
    let streak = 0;
    let problem: PhaseProblem | null = null;
    for (let guard = 0; guard < MAX_PAGES && !this.deps.stopping(); guard++) {
      const page = await fetch(after);
      if (page.next === null) break;
      after = page.next;
      const free = page.rows.filter((r) => !this.inFlight.has(r.id));
      if (free.length === 0) continue;
      const sent = await this.exclusive(
        free.map((r) => r.id),
        async () => {
          const rows = await this.prepare(free);
          return rows.length > 0 ? this.send(rows, tally) : null;
        },
      );
      if (!sent) continue;
      if (sent.stopped) return sent.problem;
      if (sent.allFailed) {
        streak++;
        if (streak >= BATCH_FAILURE_LIMIT) return sent.problem;
      } else {
        streak = 0;
      }
      problem = sent.problem ?? problem;
    }
    return problem;
  }

  /**
   * Runs `work` with these ratings marked in flight from this moment on, so a manual retry waits
   * for its outcome instead of sending one of them twice (the work awaits the store and the remote).
   */
  async exclusive<T>(ratingIds: readonly string[], work: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    for (const id of ratingIds) this.inFlight.set(id, done);
    try {
      return await work();
    } finally {
      for (const id of ratingIds) if (this.inFlight.get(id) === done) this.inFlight.delete(id);
      release();
    }
  }

  /** The rows still worth sending, as they are now (one pair reconciliation, one transaction). */
  prepare(rows: readonly RatingRow[]): Promise<RatingRow[]> {
    return this.deps.store.write.prepare(rows, isoNow(this.deps.clock));
  }

  /** Uploads these ratings (claimed with `exclusive`); each outcome is recorded (its own transaction) as it arrives. */
  async send(rows: readonly RatingRow[], tally: OutcomeTally): Promise<Sent & { outcomes: UploadOutcome[] }> {
    const { uploader, store, events, clock, recording } = this.deps;
    const outcomes: UploadOutcome[] = [];
    const counts = emptyOutcomeTally();
    // Before any byte goes: a kill after the remote stored one of these must not forget it may hold it.
    await store.write.markSending(rows.map(({ id, rating, comment }) => ({ id, rating, comment })));
    const upload = uploader.upload(rows, async (arrived) => {
      const recorded = await store.write.recordOutcomes(arrived, clock.now(), recording);
      for (const key of ['accepted', 'duplicate', 'rejected', 'failed', 'deadLettered'] as const) counts[key] += recorded[key];
      outcomes.push(...arrived);
    });
    let result;
    try {
      result = await upload;
    } finally {
      // What was recorded counts even when recording a later outcome failed.
      for (const key of ['accepted', 'duplicate', 'rejected', 'failed', 'deadLettered'] as const) tally[key] += counts[key];
      for (const kind of ['accepted', 'duplicate', 'rejected', 'failed'] as const) {
        if (counts[kind] > 0) events.emit('ratings.upload', { result: kind, count: counts[kind] });
      }
    }

    const at = isoNow(clock);
    let problem: PhaseProblem | null = null;
    const firstFailed = outcomes.find((o) => o.result === 'failed');
    if (firstFailed && firstFailed.result === 'failed') {
      problem = { kind: firstFailed.kind, message: `${counts.failed} rating upload(s) failed: ${firstFailed.error}` };
      events.emit('sync.error', { operation: 'ratings_upload', kind: firstFailed.kind, message: problem.message, at });
    }
    const firstRejected = outcomes.find((o) => o.result === 'rejected');
    if (firstRejected && firstRejected.result === 'rejected') {
      events.emit('sync.error', { operation: 'ratings_upload', kind: 'rejected', message: `${counts.rejected} rating(s) rejected: ${firstRejected.error}`, at });
    }
    if (result.stop) {
      problem = { kind: result.stop.kind, message: result.stop.message };
      if (!firstFailed || result.stop.kind === 'auth') events.emit('sync.error', { operation: 'ratings_upload', kind: result.stop.kind, message: result.stop.message, at });
    }
    this.deps.changed();
    const allFailed = outcomes.length > 0 && outcomes.every((o) => o.result === 'failed');
    return { problem, allFailed, stopped: result.stop !== null, outcomes };
  }
}
