/**
 * The emulator's fault knobs and what each should do to the engine: whether health must degrade,
 * whether sync_errors_total must move, and what recovery needs. Pairs combine two knobs.
 */
import type { EmulatorFaults } from '../../../emulator/index.js';

export type Expect = 'yes' | 'no' | 'any';

export interface Knob {
  name: string;
  faults: (ctx: { rejectIds: string[] }) => EmulatorFaults;
  /** Health must go degraded/unhealthy (yes), must stay healthy (no), or either (any). */
  degrade: Expect;
  /** sync_errors_total must move (HTTP faults are retried and counted). */
  syncErrors: boolean;
  /** Drop open sockets when the fault starts (upgrade faults only act on new connections). */
  dropSockets?: boolean;
  /** The socket refusal is an auth failure: the engine waits for a manual reconnect. */
  authRefusal?: boolean;
  /** websocket_reconnects_total must move. */
  reconnects?: boolean;
  /** rating_sync_uploads_total{result="rejected"} must move. */
  ratingRejects?: boolean;
  /** Knobs this one neutralises when both are on (their expectations do not apply). */
  masks?: string[];
}

export const KNOBS: readonly Knob[] = [
  { name: 'http_error_rate', faults: () => ({ http_error_rate: 0.3, http_status: 500, seed: 3 }), degrade: 'yes', syncErrors: true },
  { name: 'latency_ms', faults: () => ({ latency_ms: 150 }), degrade: 'no', syncErrors: false },
  { name: 'rate_limit_rps', faults: () => ({ rate_limit_rps: 3, retry_after: 1 }), degrade: 'yes', syncErrors: true },
  { name: 'reset_rate', faults: () => ({ reset_rate: 0.25, seed: 5 }), degrade: 'yes', syncErrors: true },
  { name: 'malformed_rate', faults: () => ({ malformed_rate: 0.25, seed: 7 }), degrade: 'yes', syncErrors: true },
  { name: 'ws_drop_after', faults: () => ({ ws_drop_after: 2 }), degrade: 'yes', syncErrors: false, reconnects: true },
  // No pong and no frames: the dead-peer check needs 60 s, longer than a scenario; polling carries the data.
  // A silent socket sends no frame, so ws_drop_after (which counts frames sent) never fires.
  { name: 'ws_silent', faults: () => ({ ws_silent: true }), degrade: 'no', syncErrors: false, masks: ['ws_drop_after'] },
  { name: 'ws_reject_status', faults: () => ({ ws_reject_status: 503 }), degrade: 'yes', syncErrors: false, dropSockets: true, reconnects: true },
  { name: 'reject_ratings_for', faults: (ctx) => ({ reject_ratings_for: ctx.rejectIds }), degrade: 'any', syncErrors: false, ratingRejects: true },
  {
    name: 'unsupported_extensions',
    faults: () => ({ unsupported_extensions: ['updated_since', 'ratings_batch', 'ratings_list'] }),
    degrade: 'no',
    syncErrors: false,
  },
];

/** Not part of the pairs: an auth refusal parks the socket until an operator reconnects it. */
export const WS_AUTH_REFUSAL: Knob = {
  name: 'ws_reject_status=401',
  faults: () => ({ ws_reject_status: 401 }),
  degrade: 'yes',
  syncErrors: false,
  dropSockets: true,
  authRefusal: true,
};

export interface Scenario {
  name: string;
  knobs: readonly Knob[];
}

export function scenario(...knobs: Knob[]): Scenario {
  return { name: knobs.map((k) => k.name).join(' + '), knobs };
}

export function mergedFaults(s: Scenario, ctx: { rejectIds: string[] }): EmulatorFaults {
  const out: EmulatorFaults = {};
  for (const knob of s.knobs) Object.assign(out, knob.faults(ctx));
  return out;
}

/** The knobs whose expectations hold in this scenario (not neutralised by another knob in it). */
export function effectiveKnobs(s: Scenario): Knob[] {
  const masked = new Set(s.knobs.flatMap((k) => k.masks ?? []));
  return s.knobs.filter((k) => !masked.has(k.name));
}

export function expectedDegrade(s: Scenario): Expect {
  const knobs = effectiveKnobs(s);
  if (knobs.some((k) => k.degrade === 'yes')) return 'yes';
  return knobs.every((k) => k.degrade === 'no') ? 'no' : 'any';
}

/**
 * Ratings go one POST each when the batch extension is missing; the base API has no idempotency
 * key, so a POST whose answer was lost (reset, malformed body) may be counted twice by the remote.
 */
export function atLeastOnceRatings(faults: EmulatorFaults): boolean {
  return (faults.unsupported_extensions?.includes('ratings_batch') ?? false) && ((faults.reset_rate ?? 0) > 0 || (faults.malformed_rate ?? 0) > 0);
}

const byName = (name: string) => KNOBS.find((k) => k.name === name)!;

export function allPairs(): Scenario[] {
  const pairs: Scenario[] = [];
  for (let i = 0; i < KNOBS.length; i++) for (let j = i + 1; j < KNOBS.length; j++) pairs.push(scenario(KNOBS[i]!, KNOBS[j]!));
  return pairs;
}

/** The pairs CI runs: each knob at least once, the ones most likely to interact together. */
export const CI_PAIRS: readonly Scenario[] = [
  scenario(byName('http_error_rate'), byName('reset_rate')),
  scenario(byName('rate_limit_rps'), byName('malformed_rate')),
  scenario(byName('latency_ms'), byName('ws_drop_after')),
  scenario(byName('reset_rate'), byName('reject_ratings_for')),
  scenario(byName('http_error_rate'), byName('unsupported_extensions')),
  scenario(byName('ws_silent'), byName('ws_reject_status')),
];
