/**
 * The upload half of a rating sync: pending local ratings and due dead letters, read in keyset
 * pages (never the whole table), sent batch by batch, each outcome recorded as soon as it is
 * known (so a kill mid-batch re-sends only what was not acknowledged).
 */
import type { Clock } from '../clock.js';
import { isoNow } from '../clock.js';
import type { ErrorKind } from '../contracts/api.js';
import type { EngineEvents } from '../events.js';
import type { FailedUploadsRepo } from '../store/failedUploadsRepo.js';
import type { RatingRow, RatingsRepo } from '../store/ratingsRepo.js';
import type { RatingPairs } from './ratingPairs.js';
import type { RatingUploader, UploadOutcome } from './ratingUploader.js';
import { emptyOutcomeTally, type OutcomeTally, type UploadRecorder } from './uploadRecorder.js';

export interface PhaseProblem {
  kind: ErrorKind;
  message: string;
}

export interface UploadPhaseDeps {
  ratings: RatingsRepo;
  failed: FailedUploadsRepo;
  uploader: RatingUploader;
  recorder: UploadRecorder;
  pairs: RatingPairs;
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
  /** Ratings being uploaded right now, so a manual retry never sends one twice at once. */
  readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: UploadPhaseDeps) {}

  /** Pending local ratings; `respectBackoff` false also sends those still waiting out a backoff. */
  pending(respectBackoff: boolean, tally: OutcomeTally): Promise<PhaseProblem | null> {
    const due = respectBackoff ? isoNow(this.deps.clock) : null;
    this.deps.pairs.sweep(isoNow(this.deps.clock), this.deps.batchSize);
    if (this.deps.ratings.pendingCount() === 0) return Promise.resolve(null);
    return this.drain<string>('', tally, (after) => {
      const rows = this.deps.ratings.pendingPage(after, this.deps.batchSize, due);
      return { rows, next: rows.length ? rows[rows.length - 1]!.id : null };
    });
  }

  /** Dead letters: all open ones (retry-all), or those whose automatic retry is due. */
  deadLetters(all: boolean, tally: OutcomeTally): Promise<PhaseProblem | null> {
    const now = isoNow(this.deps.clock);
    return this.drain<number>(0, tally, (after) => {
      const page = all ? this.deps.failed.openPage(after, this.deps.batchSize) : this.deps.failed.duePage(now, after, this.deps.batchSize);
      const rows = page.map((f) => this.deps.ratings.get(f.rating_id)).filter((r): r is RatingRow => r !== undefined);
      return { rows, next: page.length ? page[page.length - 1]!.id : null };
    });
  }

  private async drain<K>(start: K, tally: OutcomeTally, fetch: (after: K) => { rows: RatingRow[]; next: K | null }): Promise<PhaseProblem | null> {
    let after = start;
    let streak = 0;
    let problem: PhaseProblem | null = null;
    for (let guard = 0; guard < MAX_PAGES && !this.deps.stopping(); guard++) {
      const page = fetch(after);
      if (page.next === null) break;
      after = page.next;
      const free = page.rows.filter((r) => !this.inFlight.has(r.id));
      const rows = free.length > 0 ? this.deps.pairs.prepare(free, isoNow(this.deps.clock)) : [];
      if (rows.length === 0) continue;
      const sent = await this.send(rows, tally);
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

  /** Uploads these ratings; each outcome is recorded (its own transaction) as it arrives. */
  async send(rows: readonly RatingRow[], tally: OutcomeTally): Promise<Sent & { outcomes: UploadOutcome[] }> {
    const { uploader, recorder, events, clock } = this.deps;
    const outcomes: UploadOutcome[] = [];
    const counts = emptyOutcomeTally();
    // Before any byte goes: a kill after the remote stored one of these must not forget it may hold it.
    this.deps.ratings.markSending(rows);
    const upload = uploader.upload(rows, (arrived) => {
      const recorded = recorder.record(arrived, clock.now());
      for (const key of ['accepted', 'duplicate', 'rejected', 'failed', 'deadLettered'] as const) counts[key] += recorded[key];
      outcomes.push(...arrived);
    });
    for (const row of rows) this.inFlight.set(row.id, upload);
    let result;
    try {
      result = await upload;
    } finally {
      // What was recorded counts even when recording a later outcome failed.
      for (const row of rows) this.inFlight.delete(row.id);
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
