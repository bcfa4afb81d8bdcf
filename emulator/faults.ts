/**
 * The fault set in force and the dice behind it. Every marketplace request draws the same three
 * dice whatever the rates, so a given fault seed fails the same request sequence the same way.
 */
import type { EmulatorFaults, Extension } from '../engine/contracts/remote.js';
import { mulberry32, type Rng } from './prng.js';

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
}

export class FaultState {
  private faults: EmulatorFaults = {};
  private dice: Rng = mulberry32(1);
  private bucket = { tokens: 0, at: 0 };

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Replaces the whole fault set (validated by the caller); `{}` clears it. */
  set(faults: EmulatorFaults): EmulatorFaults {
    this.faults = structuredClone(faults);
    this.dice = mulberry32(faults.seed ?? 1);
    this.bucket = { tokens: Math.max(faults.rate_limit_rps ?? 0, 1), at: this.now() };
    return this.current;
  }

  get current(): EmulatorFaults {
    return structuredClone(this.faults);
  }

  decide(): RequestFate {
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
    };
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
