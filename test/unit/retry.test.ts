import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../engine/ratings/ratingBackoff.js';
import { backoffDelay } from '../../engine/remote/backoff.js';
import { kindForStatus, parseRetryAfter, retryBackoff } from '../../engine/remote/retryPolicy.js';
import { parseFrame, reconnectBackoff } from '../../engine/remote/realtimeClient.js';

describe('retry and backoff', () => {
  it('doubles HTTP retry delays up to the cap, never below Retry-After', () => {
    const policy = retryBackoff({ maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 4000 });
    const top = () => 1;
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(policy, a, top, null))).toEqual([500, 1000, 2000, 4000, 4000]);
    expect(backoffDelay(policy, 1, top, 2000)).toBe(2000);
    // Equal jitter: a draw of 0 gives half the step, never less.
    const low = () => 0;
    expect(backoffDelay(policy, 3, low, null)).toBe(1000);
    expect(backoffDelay(policy, 3, () => 0.5, null)).toBe(1500);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-02-19T10:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Thu, 19 Feb 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });

  it('classifies statuses once', () => {
    expect([401, 403, 404, 422, 429, 500, 503, 504].map(kindForStatus)).toEqual([
      'auth', 'auth', 'not_found', 'rejected', 'rate_limited', 'unavailable', 'unavailable', 'timeout',
    ]);
  });

  it('reconnects the socket after 1, 2, 4, 8, 16 s, capped, with jitter around each step', () => {
    const exact = () => 0.5;
    const socket = reconnectBackoff(30);
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(socket, a, exact))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoffDelay(socket, 3, () => 0)).toBe(3200);
    expect(backoffDelay(socket, 3, () => 1)).toBe(4800);
    expect(backoffDelay(socket, 1, exact, 10_000)).toBe(10_000);
    // A proxy refusal waits the longest step.
    expect(backoffDelay(socket, Number.MAX_SAFE_INTEGER, exact)).toBe(30_000);
  });

  it('retries a failed rating upload after 30 s, 60 s, 120 s …, capped at the rating interval, without jitter', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((a) => retryDelayMs(a, 30 * 60_000))).toEqual([30_000, 30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_800_000]);
    expect(retryDelayMs(2, 45_000)).toBe(45_000);
  });
});

describe('socket frames', () => {
  it('accepts the spec frame types and drops the rest with a reason', () => {
    expect(parseFrame('{"type":"skill_update","data":{"skill_id":"a","name":"A"},"timestamp":"t"}')).toMatchObject({ type: 'skill_update' });
    expect(parseFrame('{"type":"ping","timestamp":"t"}')).toMatchObject({ type: 'ping' });
    expect(parseFrame('{not json')).toEqual({ dropped: 'malformed JSON' });
    expect(parseFrame('{"type":"skill_update","data":{"name":"A"}}')).toEqual({ dropped: 'skill_update: skill_id missing or not a string', skillId: null });
    // A pushed skill passes the listing's checks: wrong types are dropped and name the skill.
    expect(parseFrame('{"type":"skill_update","data":{"skill_id":"s-1","name":"A","version":42}}')).toEqual({ dropped: 'skill_update: version is not a string', skillId: 's-1' });
    expect(parseFrame('{"type":"surprise","data":{}}')).toEqual({ dropped: 'unknown type surprise' });
    expect(parseFrame('[1,2]')).toMatchObject({ dropped: expect.any(String) });
  });
});
