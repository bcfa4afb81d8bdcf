/**
 * The fault set in force and the dice behind it. Every marketplace request draws the same three
 * dice whatever the rates, so a given fault seed fails the same request sequence the same way.
 * Lost replies and WebSocket frames draw from streams of their own, so turning them on does not
 * change which requests the other faults hit.
 */
import type { Extension } from '../engine/contracts/remote.js';
import type { EmulatorFaults } from './types.js';
import { indexOfSkillId } from './dataset.js';
import { mix, mulberry32, type Rng } from './prng.js';

export interface RequestFate {
  /** Over the rate limit: answer 429 with Retry-After. */
  rateLimited: boolean;
  latencyMs: number;
  /** Answer this error status instead of serving the request. */
  errorStatus: number | null;
  /** Destroy the connection part-way through the body. */
  reset: boolean;
  /** Answer 200 with a body that is not valid JSON. */
  malformed: boolean;
  /** Commit the request's effect, then drop the connection before any reply byte (POST/PUT). */
  lostReply: boolean;
  /** Whole-second timestamps in the body lose their milliseconds. */
  mixedPrecision: boolean;
}

export interface FrameFate {
  duplicate: boolean;
  reorder: boolean;
}

const LOST_STREAM = 0x1057;
const FRAME_STREAM = 0xf7a3;
const POISON_STREAM = 0x9015;

export class FaultState {
  private faults: EmulatorFaults = {};
  private dice: Rng = mulberry32(1);
  private lostDice: Rng = mulberry32(mix(1, LOST_STREAM));
  private frameDice: Rng = mulberry32(mix(1, FRAME_STREAM));
  private poisonIds = new Set<string>();
  private bucket = { tokens: 0, at: 0 };

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Replaces the whole fault set (validated by the caller); `{}` clears it. */
  set(faults: EmulatorFaults): EmulatorFaults {
    this.faults = structuredClone(faults);
    const seed = faults.seed ?? 1;
    this.dice = mulberry32(seed);
    this.lostDice = mulberry32(mix(seed, LOST_STREAM));
    this.frameDice = mulberry32(mix(seed, FRAME_STREAM));
    this.poisonIds = new Set(faults.poison_ids ?? []);
    this.bucket = { tokens: Math.max(faults.rate_limit_rps ?? 0, 1), at: this.now() };
    return this.current;
  }

  get current(): EmulatorFaults {
    return structuredClone(this.faults);
  }

  /** The fate of one marketplace request; `writes` for POST/PUT, which alone can lose a reply. */
  decide(writes = false): RequestFate {
    const f = this.faults;
    const errorRoll = this.dice();
    const resetRoll = this.dice();
    const malformedRoll = this.dice();
    return {
      rateLimited: !this.takeToken(),
      latencyMs: f.latency_ms ?? 0,
      errorStatus: errorRoll < (f.http_error_rate ?? 0) ? (f.http_status ?? 500) : null,
      reset: resetRoll < (f.reset_rate ?? 0),
      malformed: malformedRoll < (f.malformed_rate ?? 0),
      lostReply: writes && this.lostDice() < (f.lost_reply_rate ?? 0),
      mixedPrecision: f.mixed_precision ?? false,
    };
  }

  /** Whether a pushed frame goes out twice, and whether it is held back behind the next one. */
  decideFrame(): FrameFate {
    const duplicateRoll = this.frameDice();
    const reorderRoll = this.frameDice();
    return {
      duplicate: duplicateRoll < (this.faults.ws_duplicate_rate ?? 0),
      reorder: reorderRoll < (this.faults.ws_reorder_rate ?? 0),
    };
  }

  /** Served with wrong-typed fields: named, or picked by a hash of (seed, index), stable across requests. */
  poisons(skillId: string): boolean {
    if (this.poisonIds.has(skillId)) return true;
    const rate = this.faults.poison_rate ?? 0;
    if (rate <= 0) return false;
    const index = indexOfSkillId(skillId);
    return index >= 0 && mix(this.faults.seed ?? 1, index, POISON_STREAM) / 4294967296 < rate;
  }

  get listingChurn(): { delete: number; add: number } | undefined {
    const churn = this.faults.listing_churn;
    return churn === undefined ? undefined : { delete: churn.delete ?? 0, add: churn.add ?? 0 };
  }

  get pageSizeCap(): number | undefined {
    return this.faults.page_size_cap;
  }

  get sinceInclusive(): boolean {
    return this.faults.since_inclusive ?? false;
  }

  get mixedPrecision(): boolean {
    return this.faults.mixed_precision ?? false;
  }

  get conflictOmitsRatingId(): boolean {
    return this.faults.conflict_omits_rating_id ?? false;
  }

  get refusalOmitsHeld(): boolean {
    return this.faults.refusal_omits_held ?? false;
  }

  get clockSkewMs(): number | undefined {
    return this.faults.clock_skew_ms;
  }

  get clockResolutionMs(): number | undefined {
    return this.faults.clock_resolution_ms;
  }

  get retryAfter(): number {
    return this.faults.retry_after ?? 1;
  }

  lacks(extension: Extension): boolean {
    return this.faults.unsupported_extensions?.includes(extension) ?? false;
  }

  rejectsRatingsFor(skillId: string): boolean {
    return this.faults.reject_ratings_for?.includes(skillId) ?? false;
  }

  get wsDropAfter(): number | undefined {
    return this.faults.ws_drop_after;
  }

  get wsSilent(): boolean {
    return this.faults.ws_silent ?? false;
  }

  get wsRejectStatus(): number | undefined {
    return this.faults.ws_reject_status;
  }

  /** Token bucket holding at most one second's worth of requests (at least one). */
  private takeToken(): boolean {
    const rps = this.faults.rate_limit_rps;
    if (rps === undefined) return true;
    const now = this.now();
    this.bucket.tokens = Math.min(Math.max(rps, 1), this.bucket.tokens + ((now - this.bucket.at) / 1000) * rps);
    this.bucket.at = now;
    if (this.bucket.tokens < 1) return false;
    this.bucket.tokens -= 1;
    return true;
  }
}
