import { describe, expect, it } from 'vitest';
import { parseCli } from '../../emulator/cli.js';
import { FaultState } from '../../emulator/faults.js';
import { EmulatorInputError, parseFaults, parseMutation } from '../../emulator/validation.js';

describe('emulator fault dice', () => {
  it('repeat the same fates for the same seed', () => {
    const fates = (seed: number) => {
      const state = new FaultState(() => 0);
      state.set({ http_error_rate: 0.3, reset_rate: 0.2, malformed_rate: 0.2, seed });
      return Array.from({ length: 40 }, () => state.decide());
    };
    expect(fates(11)).toEqual(fates(11));
    expect(fates(11)).not.toEqual(fates(12));
    const kinds = fates(11);
    expect(kinds.some((f) => f.errorStatus === 500)).toBe(true);
    expect(kinds.some((f) => f.errorStatus === null && !f.reset && !f.malformed)).toBe(true);
  });

  it('rate limits with a token bucket refilled per second', () => {
    let now = 0;
    const state = new FaultState(() => now);
    state.set({ rate_limit_rps: 2 });
    expect([state.decide(), state.decide(), state.decide()].map((f) => f.rateLimited)).toEqual([false, false, true]);
    now = 500;
    expect(state.decide().rateLimited).toBe(false);
    expect(state.decide().rateLimited).toBe(true);
    now = 5_000;
    expect([state.decide(), state.decide(), state.decide()].map((f) => f.rateLimited)).toEqual([false, false, true]);
    expect(state.retryAfter).toBe(1);
  });

  it('clears with {} and answers questions about extensions and ratings', () => {
    const state = new FaultState();
    state.set({ unsupported_extensions: ['ratings_list'], reject_ratings_for: ['skill-000001'] });
    expect(state.lacks('ratings_list')).toBe(true);
    expect(state.lacks('updated_since')).toBe(false);
    expect(state.rejectsRatingsFor('skill-000001')).toBe(true);
    state.set({});
    expect(state.current).toEqual({});
    expect(state.lacks('ratings_list')).toBe(false);
  });
});

describe('emulator input validation', () => {
  it('refuses unknown or out-of-range fault and mutation fields with a clear error', () => {
    expect(() => parseFaults({ http_error_rate: 1.5 })).toThrow(EmulatorInputError);
    expect(() => parseFaults({ bogus: 1 })).toThrow(/bogus/);
    expect(() => parseFaults({ unsupported_extensions: ['teleport'] })).toThrow(EmulatorInputError);
    expect(parseFaults(undefined)).toEqual({});
    expect(() => parseMutation({ update: -1 })).toThrow(EmulatorInputError);
    expect(() => parseMutation({ set: { skill_id: 'x' } })).toThrow(/skill_id/);
    expect(parseMutation({ update: 2, set: { author: 'a' } })).toEqual({ update: 2, set: { author: 'a' } });
  });
});

describe('emulator command line', () => {
  it('parses options and rejects bad ones', () => {
    expect(parseCli(['--port', '9100', '--skills', '5000', '--seed', '3', '--token', 'T'])).toMatchObject({ port: 9100, skills: 5000, seed: 3, token: 'T' });
    expect(parseCli([]).port).toBe(9100);
    expect(() => parseCli(['--port', 'abc'])).toThrow(/--port/);
    expect(() => parseCli(['--nope'])).toThrow();
    expect(() => parseCli(['stray'])).toThrow();
  });
});
