/**
 * One model-based sequence end to end: a fresh emulator and daemon on a temp database, the
 * seeded operations (SIGKILLs and restarts among them), faults lifted, the system quiesced, then
 * every invariant checked. Every wait is bounded; the temp dir goes away whatever happens.
 */
import { startEmulator, type EmulatorHandle } from '../../../emulator/index.js';
import type { FailedUploadsResponse, RatingStatusResponse, RecentErrorsResponse, RunsResponse, SyncStatusResponse } from '../../../engine/contracts/localHttpApi.js';
import { mulberry32 } from '../../../emulator/prng.js';
import { tempDir } from '../../support/tempDir.js';
import { sleep } from '../../support/daemonOps.js';
import { LocalAtom } from '../../support/localAtom.js';
import type { RunningDaemon } from '../../support/runningDaemon.js';
import { launchDaemon, type Launch } from './daemonLauncher.js';
import { ExpectedState } from './expectedState.js';
import { ratedSkillIds } from './generator.js';
import { catalogueInvariant, editsInvariant, ratingsInvariant, type CachedSkill, type ConflictRecord } from './invariants.js';
import { executeOp, type SequenceContext } from './opExecutor.js';
import { describeOp, type SequenceConfig } from './operations.js';

export type Invariant = 'catalogue' | 'ratings' | 'edits' | 'last_sync' | 'integrity' | 'poison' | 'crash' | 'harness';

export interface Problem {
  invariant: Invariant;
  text: string;
}

export interface SequenceResult {
  config: SequenceConfig;
  launch: Launch;
  problems: Problem[];
  log: string[];
  stats: { ops: number; kills: number; midOperation: number; ratings: number; resolved: number; checks: number };
  durationMs: number;
  /** The last lines the daemon wrote (for a failing sequence). */
  daemonTail: string;
  /** The sequence's database and log, kept when it failed and ATOM_MODEL_KEEP=1. */
  keptDir: string | null;
}

/** Time one sequence may spend on its operations before the rest are skipped (then quiesce and check as usual). */
const OPS_BUDGET_MS = 60_000;
const QUIESCE_BUDGET_MS = 45_000;

async function status(d: RunningDaemon): Promise<SyncStatusResponse> {
  return (await d.call<SyncStatusResponse>('GET', '/api/admin/sync/status')).body;
}

async function waitIdle(d: RunningDaemon, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    if ((await status(d)).status === 'idle') return true;
    await sleep(20);
  }
  return false;
}

async function waitRatingsIdle(d: RunningDaemon, timeoutMs: number): Promise<RatingStatusResponse | null> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    const s = (await d.call<RatingStatusResponse>('GET', '/api/admin/sync/ratings/status')).body;
    if (s.status === 'idle') return s;
    await sleep(20);
  }
  return null;
}

/** Runs one sync of `mode` to its end; returns its result ('busy' when none could start). */
async function syncToEnd(d: RunningDaemon, mode: 'incremental' | 'full', timeoutMs: number): Promise<string> {
  if (!(await waitIdle(d, timeoutMs))) return 'still running';
  const res = await d.call<{ run_id: number }>('POST', `/api/admin/sync/trigger?mode=${mode}`);
  if (res.status !== 202) return `trigger ${res.status}`;
  if (!(await waitIdle(d, timeoutMs))) return 'did not finish';
  const runs = (await d.call<RunsResponse>('GET', '/api/admin/sync/runs?limit=20&stream=skills')).body.items;
  const run = runs.find((r) => r.id === res.body.run_id);
  return run ? (run.result === 'success' ? 'success' : `${run.result}: ${run.error ?? ''}`) : 'run not listed';
}

function readCache(local: LocalAtom): Map<string, CachedSkill> {
  const rows = local.db
    .prepare('SELECT skill_id, name, description, version, remote_updated_at, local_modified_at, payload FROM community_skills WHERE deleted_at IS NULL')
    .all() as CachedSkill[];
  return new Map(rows.map((r) => [r.skill_id, r]));
}

function readConflicts(local: LocalAtom): ConflictRecord[] {
  return local.db
    .prepare('SELECT id, entity_id, conflict_type, severity, status, strategy, resolution, resolved_at, resolved_by, local, fields FROM sync_conflicts ORDER BY id')
    .all() as ConflictRecord[];
}

export async function runSequence(config: SequenceConfig, launch: Launch, keep = false): Promise<SequenceResult> {
  const started = Date.now();
  const tmp = tempDir('atom-model-');
  const dbPath = tmp.file('atom_dev.db');
  const problems: Problem[] = [];
  const log: string[] = [];
  const stats = { ops: 0, kills: 0, midOperation: 0, ratings: 0, resolved: 0, checks: 0 };
  const model = new ExpectedState();
  const rated = ratedSkillIds(config);
  const gaps = mulberry32(config.seed ^ 0x6a9);
  const note = (text: string) => log.push(`+${String(Date.now() - started).padStart(5)}ms ${text}`);
  let emulator: EmulatorHandle | null = null;
  let daemon: RunningDaemon | null = null;
  let local: LocalAtom | null = null;
  let expectedExit = false;
  let tail = '';

  const env = (emu: EmulatorHandle): Record<string, string> => ({
    ATOM_SAAS_API_URL: emu.apiUrl,
    ATOM_SAAS_WS_URL: emu.wsUrl,
    ATOM_DB_PATH: dbPath,
    ATOM_LOG_PATH: tmp.file('logs/atom.log'),
    ATOM_SAAS_SYNC_BATCH_SIZE: String(config.batchSize),
    ATOM_SAAS_RATING_BATCH_SIZE: String(config.ratingBatchSize),
    ATOM_SAAS_WS_BACKOFF_MAX_SECONDS: '1',
    ATOM_SAAS_HTTP_TIMEOUT_SECONDS: '5',
    ATOM_SAAS_CONFLICT_STRATEGY: config.strategy,
  });
  const start = async () => {
    daemon = await launchDaemon(launch, env(emulator!));
    expectedExit = false;
  };
  /** A daemon that died without our SIGKILL is a crash: reported, and restarted so the sequence goes on. */
  const checkAlive = async (where: string) => {
    const d = daemon!;
    if (d.proc.child.exitCode === null && d.proc.child.signalCode === null) return;
    if (!expectedExit) {
      problems.push({ invariant: 'crash', text: `daemon exited on its own ${where} (code ${d.proc.child.exitCode}): ${d.output().split('\n').filter((l) => /ERROR|Error|at /.test(l)).slice(-3).join(' | ')}` });
      tail += d.output().slice(-3000);
      await start();
    }
  };
  const sampleLastSync = async (op: number) => {
    const s = await status(daemon!);
    const problem = model.sampleLastSync(op, s.last_sync);
    if (problem) problems.push({ invariant: 'last_sync', text: problem });
  };
  /** Poisoned skills cached when the poison began must still be cached when it ends (if the remote still has them). */
  const endPoisonWindow = () => {
    if (model.cachedWhilePoisoned.size === 0) return;
    const cache = readCache(local!);
    const live = new Set([...emulator!.liveSkills()].map((s) => s.skill_id));
    for (const id of model.cachedWhilePoisoned) {
      if (live.has(id) && !cache.has(id)) problems.push({ invariant: 'poison', text: `${id}: removed locally while the remote served it poisoned (it still has it)` });
    }
    model.cachedWhilePoisoned.clear();
  };
  const beginPoisonWindow = (ids: readonly string[]) => {
    model.poisoned = new Set(ids);
    const cache = readCache(local!);
    for (const id of ids) if (cache.has(id)) model.cachedWhilePoisoned.add(id);
  };

  const ctx: SequenceContext = {
    config,
    get emulator() {
      return emulator!;
    },
    get local() {
      return local!;
    },
    model,
    rated,
    daemon: () => daemon!,
    stats,
    async killAndRestart() {
      const d = daemon!;
      // what was in flight at the moment of the kill (a kill after all work is done proves little)
      const [sync, ratings] = await Promise.all([
        status(d).then((s) => s.status === 'syncing').catch(() => false),
        d.call<RatingStatusResponse>('GET', '/api/admin/sync/ratings/status').then((r) => r.body.status === 'syncing').catch(() => false),
      ]);
      expectedExit = true;
      const exit = await d.kill();
      stats.kills++;
      if (sync || ratings) stats.midOperation++;
      tail = d.output().slice(-1500);
      const integrity = local!.integrity();
      if (integrity !== 'ok') problems.push({ invariant: 'integrity', text: `after SIGKILL #${stats.kills}: ${integrity}` });
      await start();
      return `killed (${exit.signal}) ${sync || ratings ? `mid-${[sync ? 'sync' : '', ratings ? 'rating-sync' : ''].filter(Boolean).join('+')}` : 'while idle'}, integrity ${integrity}, restarted`;
    },
  };

  try {
    emulator = await startEmulator({ skills: config.skills, categories: 6, seed: config.seed });
    await start();
    if (!(await waitIdle(daemon!, 20_000))) note('first sync still running after 20 s');
    local = new LocalAtom(dbPath);
    await sampleLastSync(-1);

    for (const [index, op] of config.ops.entries()) {
      if (Date.now() - started > OPS_BUDGET_MS) {
        note(`time budget spent: ops ${index}..${config.ops.length - 1} skipped`);
        break;
      }
      if (op.kind === 'faults') endPoisonWindow();
      let outcome: string;
      try {
        outcome = await executeOp(ctx, op, index);
      } catch (error) {
        outcome = `error: ${(error as Error).message.split('\n')[0]}`;
      }
      if (op.kind === 'faults') beginPoisonWindow((op.faults.poison_ids as string[] | undefined) ?? []);
      stats.ops++;
      note(`#${index} ${describeOp(op)} → ${outcome}`);
      await checkAlive(`after op ${index}`);
      await sampleLastSync(index);
      await sleep(Math.floor(gaps() * 25));
    }

    // Poison still in force: one full listing meets every poisoned item; each must be reported, none removed.
    if (model.poisoned.size > 0) {
      let outcome = '';
      for (let attempt = 0; attempt < 3 && outcome !== 'success'; attempt++) outcome = await syncToEnd(daemon!, 'full', 20_000);
      note(`full sync under poison → ${outcome}`);
      if (outcome === 'success') {
        const listed = (await daemon!.call<RecentErrorsResponse>('GET', '/api/admin/sync/errors')).body.invalid_items ?? [];
        const live = new Set([...emulator.liveSkills()].map((s) => s.skill_id));
        for (const id of model.poisoned) {
          stats.checks++;
          if (live.has(id) && !listed.some((e) => e.item_id === id)) problems.push({ invariant: 'poison', text: `${id}: served poisoned, yet not listed in /api/admin/sync/errors` });
        }
      }
      endPoisonWindow();
      await sampleLastSync(config.ops.length);
    }

    // Quiesce: no faults, then syncs and rating drains until two clean syncs in a row and nothing pending.
    emulator.setFaults({});
    model.poisoned = new Set();
    note('faults lifted');
    const quiesceEnd = Date.now() + QUIESCE_BUDGET_MS;
    // A remote clock that stepped back and forward again while the daemon asked nothing stamped
    // changes before the cursor, invisibly to any client; the periodic full listing
    // (ATOM_SAAS_FULL_SYNC_INTERVAL_MINUTES) repairs that, and quiescence stands in for it here.
    if (config.ops.some((op) => op.kind === 'faults' && op.faults.clock_skew_ms !== undefined)) {
      note(`full listing after clock skew → ${await syncToEnd(daemon!, 'full', Math.max(1_000, quiesceEnd - Date.now()))}`);
    }
    let clean = 0;
    let ratingState: RatingStatusResponse | null = null;
    for (let pass = 0; pass < 10 && Date.now() < quiesceEnd; pass++) {
      const outcome = await syncToEnd(daemon!, 'incremental', Math.max(1_000, quiesceEnd - Date.now()));
      clean = outcome === 'success' ? clean + 1 : 0;
      const trigger = await daemon!.call('POST', '/api/admin/sync/ratings');
      if (trigger.status === 202 || trigger.status === 409) ratingState = await waitRatingsIdle(daemon!, Math.max(1_000, quiesceEnd - Date.now()));
      note(`quiesce pass ${pass}: sync ${outcome}; ratings pending ${ratingState?.pending_count ?? '?'}, failed ${ratingState?.failed_count ?? '?'}`);
      await checkAlive(`while quiescing (pass ${pass})`);
      await sampleLastSync(config.ops.length + 1 + pass);
      if (clean >= 2 && trigger.status === 202 && ratingState?.pending_count === 0) break;
    }
    if (clean < 2) problems.push({ invariant: 'harness', text: `no two successful incremental syncs in a row within ${QUIESCE_BUDGET_MS / 1000} s of lifting the faults` });

    // The checks.
    const cache = readCache(local);
    const conflicts = readConflicts(local);
    const remote = [...emulator.liveSkills()];
    const add = (invariant: Invariant, checked: { problems: string[]; checks: number }) => {
      stats.checks += checked.checks;
      for (const text of checked.problems) problems.push({ invariant, text });
    };
    add('catalogue', catalogueInvariant(cache, remote, conflicts, model.editedFields()));
    const remoteLive = new Set(remote.map((s) => s.skill_id));
    // A rating of a skill the remote has since deleted (listing churn deletes any) is rightly refused and listed.
    const failed = (await daemon!.call<FailedUploadsResponse>('GET', '/api/admin/sync/ratings/failed-uploads?limit=500')).body.items.filter((f) => remoteLive.has(f.skill_id));
    const pending = (await daemon!.call<RatingStatusResponse>('GET', '/api/admin/sync/ratings/status')).body.pending_count;
    const firstFailure = failed[0] ? `${failed[0].rating_id} on ${failed[0].skill_id}: ${failed[0].error}` : null;
    add('ratings', ratingsInvariant(model.pairs(), emulator.receivedRatings(), { pending, failedUploads: failed.length, firstFailure }, remoteLive));
    add('edits', editsInvariant(model.latestEdits(), cache, conflicts));
    stats.checks += model.lastSync.length + 1;
    const integrity = local.integrity();
    if (integrity !== 'ok') problems.push({ invariant: 'integrity', text: `at the end: ${integrity}` });
  } catch (error) {
    problems.push({ invariant: 'harness', text: `sequence aborted: ${(error as Error).stack?.split('\n').slice(0, 3).join(' ') ?? String(error)}` });
  } finally {
    local?.close();
    const d = daemon as RunningDaemon | null;
    if (d) {
      expectedExit = true;
      tail += d.output().slice(-3000);
      await d.stop(5_000).catch(() => undefined);
    }
    await emulator?.close().catch(() => undefined);
    if (!keep || problems.length === 0) tmp.cleanup();
  }
  const keptDir = keep && problems.length > 0 ? tmp.dir : null;
  return { config, launch, problems, log, stats, durationMs: Date.now() - started, daemonTail: tail, keptDir };
}
