/**
 * One fault scenario end to end: a fresh emulator and engine (API on a real port), steady
 * activity while the faults are on (remote changes pushed over the socket, local ratings,
 * syncs), then faults cleared, convergence, and the health verdict once the error window passed.
 */
import { skillIdOf } from '../../../emulator/dataset.js';
import type { HealthResponse } from '../../../engine/contracts/localHttpApi.js';
import type { EngineInternals } from '../../../engine/index.js';
import { startHarness } from '../../support/harness.js';
import { waitFor } from '../../support/waitFor.js';
import { catalogueProblems, deliveryProblems } from '../../support/convergence.js';
import { sleep } from '../../support/daemonOps.js';
import { atLeastOnceRatings, effectiveKnobs, expectedDegrade, mergedFaults, type Scenario } from './faultScenarios.js';
import { LocalAtom } from '../../support/localAtom.js';
import { sumMetric } from './metricsText.js';
import { OffsetClock } from './offsetClock.js';
import { startProbes } from './probes.js';
import { call } from '../../support/runningDaemon.js';

const SKILLS = 400;
/** Local ratings go to these skills, which are never deleted remotely (a rating for a deleted skill is rightly rejected). */
const RATED = Array.from({ length: 40 }, (_, i) => skillIdOf(i));
const REJECT_IDS = RATED.slice(0, 3);
const ERROR_WINDOW_MS = 16 * 60_000;

export interface Outcome {
  scenario: string;
  live_probes: number;
  live_failures: number;
  live_max_ms: number;
  worst_health: string;
  expected_degrade: string;
  sync_errors: number;
  ws_reconnects: number;
  ratings_rejected: number;
  ratings: number;
  ratings_doubled: number;
  converged: boolean;
  recovered: string;
  seconds: number;
  /** Expectations not met (empty = pass). */
  failures: string[];
}

async function syncUntilSuccess(engine: EngineInternals): Promise<boolean> {
  for (let attempt = 0; attempt < 8; attempt++) {
    await engine.services.sync.idle();
    const outcome = await engine.services.sync.trigger('incremental', 'manual').catch(() => ({ accepted: false as const }));
    if (!outcome.accepted) continue;
    await engine.services.sync.idle();
    if ((await engine.services.sync.runs(1))[0]?.result === 'success') return true;
  }
  return false;
}

async function drainRatings(engine: EngineInternals, retryFailed: boolean): Promise<void> {
  const { ratings } = engine.services;
  for (let pass = 0; pass < 10; pass++) {
    if (retryFailed && ratings.status().failed_count > 0) await ratings.retryAll();
    await ratings.syncNow();
    await waitFor(() => ratings.status().status === 'idle', 30_000, 20);
    const s = ratings.status();
    if (s.pending_count === 0 && s.failed_count === 0) return;
    await sleep(200);
  }
}

export async function runScenario(s: Scenario, windowMs: number): Promise<Outcome> {
  const started = Date.now();
  const clock = new OffsetClock();
  const h = await startHarness({
    skills: SKILLS,
    seed: 17,
    env: {
      ATOM_LOG_LEVEL: 'error',
      ATOM_SAAS_SYNC_BATCH_SIZE: '50',
      ATOM_SAAS_RATING_BATCH_SIZE: '20',
      ATOM_SAAS_WS_BACKOFF_MAX_SECONDS: '1',
    },
    engine: { listen: true, clock },
  });
  const failures: string[] = [];
  const local = new LocalAtom(h.dbPath);
  const faults = mergedFaults(s, { rejectIds: REJECT_IDS });
  try {
    const { engine, emulator } = h;
    await engine.start();
    const base = engine.url!;
    if (!(await syncUntilSuccess(engine))) failures.push('first sync failed without faults');
    await waitFor(() => engine.services.websocket.status().connected, 10_000, 20);
    const metricsBefore = (await call(base, 'GET', '/metrics/sync')).text;
    const probes = startProbes(base);

    // Faults on, steady activity.
    probes.watch(true);
    emulator.setFaults(faults);
    if (s.knobs.some((k) => k.dropSockets)) emulator.dropSockets();
    const ratingIds: string[] = [];
    const end = Date.now() + windowMs;
    for (let tick = 0; tick < 500 && Date.now() < end; tick++) {
      emulator.mutate({ update: 3, add: 1, delete_ids: [skillIdOf(SKILLS - 1 - tick)], ratings: 1, push: true });
      ratingIds.push(...local.addRatings([RATED[tick % RATED.length]!, RATED[(tick * 7 + 3) % RATED.length]!], `fault ${s.name}`));
      engine.services.sync.trigger('incremental', 'manual');
      engine.services.ratings.trigger();
      await sleep(200);
    }
    probes.watch(false);

    // Faults off: the engine finds its way back on its own (an auth refusal needs the operator).
    emulator.setFaults({});
    if (s.knobs.some((k) => k.authRefusal)) engine.services.websocket.reconnect();
    const wsBack = await waitFor(() => engine.services.websocket.status().connected, 15_000, 20).catch(() => false);
    if (!wsBack) failures.push(`websocket did not reconnect after the fault (${engine.services.websocket.status().state})`);
    if (!(await syncUntilSuccess(engine))) failures.push('no successful sync after the fault was cleared');
    await drainRatings(engine, true);
    const catalogue = catalogueProblems(local.skills(), emulator.liveSkills());
    const delivery = deliveryProblems(ratingIds, emulator.receivedRatings(), atLeastOnceRatings(faults));
    failures.push(...catalogue, ...delivery.problems);

    const metricsAfter = (await call(base, 'GET', '/metrics/sync')).text;
    const delta = (name: string, labels: Record<string, string> = {}) => sumMetric(metricsAfter, name, labels) - sumMetric(metricsBefore, name, labels);
    clock.advance(ERROR_WINDOW_MS);
    const recovered = await call<HealthResponse>(base, 'GET', '/health/sync');
    const stats = await probes.stop();

    const outcome: Outcome = {
      scenario: s.name,
      live_probes: stats.probes,
      live_failures: stats.failures.length,
      live_max_ms: Math.round(stats.maxMs),
      worst_health: stats.worstHealth,
      expected_degrade: expectedDegrade(s),
      sync_errors: delta('sync_errors_total'),
      ws_reconnects: delta('websocket_reconnects_total'),
      ratings_rejected: delta('rating_sync_uploads_total', { result: 'rejected' }),
      ratings: ratingIds.length,
      ratings_doubled: delivery.doubled,
      converged: catalogue.length === 0 && delivery.problems.length === 0,
      recovered: `${recovered.status} ${recovered.body.status}`,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      failures,
    };
    failures.push(...stats.failures.slice(0, 3));
    const degrade = expectedDegrade(s);
    if (degrade === 'yes' && stats.worstHealth === 'healthy') failures.push('health never degraded under the fault');
    if (degrade === 'no' && stats.worstHealth !== 'healthy') failures.push(`health went ${stats.worstHealth} under a harmless fault`);
    const knobs = effectiveKnobs(s);
    if (knobs.some((k) => k.syncErrors) && outcome.sync_errors <= 0) failures.push('sync_errors_total did not move');
    if (knobs.some((k) => k.reconnects) && outcome.ws_reconnects <= 0) failures.push('websocket_reconnects_total did not move');
    if (knobs.some((k) => k.ratingRejects) && outcome.ratings_rejected <= 0) failures.push('rejected uploads were not counted');
    if (recovered.status !== 200 || recovered.body.status !== 'healthy') {
      failures.push(`health did not recover: ${recovered.status} ${JSON.stringify(recovered.body.checks)}`);
    }
    return outcome;
  } finally {
    local.close();
    await h.close();
  }
}
