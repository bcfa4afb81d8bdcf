/**
 * Carries out one operation against the live system (emulator handle, the daemon's admin API,
 * the local Atom's SQL) and returns what it did, for the log. Targets given as fractions are
 * resolved here against what exists right now.
 */
import type { EmulatorHandle } from '../../../emulator/index.js';
import { mulberry32, pick, type Rng } from '../../../emulator/prng.js';
import type { BulkResolveResponse, ConflictListResponse } from '../../../engine/contracts/localHttpApi.js';
import { sleep } from '../../support/daemonOps.js';
import type { LocalAtom } from '../../support/localAtom.js';
import type { RunningDaemon } from '../../support/runningDaemon.js';
import type { ExpectedState } from './expectedState.js';
import type { Op, SequenceConfig, Strategy } from './operations.js';

export interface SequenceContext {
  config: SequenceConfig;
  emulator: EmulatorHandle;
  local: LocalAtom;
  model: ExpectedState;
  rated: readonly string[];
  /** The daemon now running (replaced after each kill). */
  daemon(): RunningDaemon;
  /** SIGKILL, integrity check of the file as left, restart on it; returns a note for the log. */
  killAndRestart(): Promise<string>;
  stats: { kills: number; midOperation: number; ratings: number; resolved: number };
}

const at = (list: readonly string[], fraction: number) => list[Math.min(list.length - 1, Math.floor(fraction * list.length))]!;

/** `count` distinct items starting at the position `fraction` names, wrapping around. */
function take<T>(list: readonly T[], fraction: number, count: number): T[] {
  if (list.length === 0) return [];
  const start = Math.floor(fraction * list.length) % list.length;
  return Array.from({ length: Math.min(count, list.length) }, (_, k) => list[(start + k) % list.length]!);
}

const remoteLiveIds = (emulator: EmulatorHandle) => [...emulator.liveSkills()].map((s) => s.skill_id);

function cachedIds(local: LocalAtom): string[] {
  return local.db.prepare('SELECT skill_id FROM community_skills WHERE deleted_at IS NULL ORDER BY skill_id').pluck().all() as string[];
}

async function openConflicts(d: RunningDaemon): Promise<ConflictListResponse['items']> {
  const res = await d.call<ConflictListResponse>('GET', '/api/admin/sync/conflicts?status=unresolved&limit=500');
  return res.status === 200 ? res.body.items : [];
}

const brief = (ids: readonly string[]) => (ids.length <= 4 ? ids.join(',') : `${ids.slice(0, 4).join(',')},…(${ids.length})`);

function rateLocally(ctx: SequenceContext, opIndex: number, skillId: string, userId: string, rating: number): string {
  const comment = `model seed ${ctx.config.seed} op ${opIndex} rating ${ctx.stats.ratings + 1} ${userId}`;
  const rowId = ctx.local.addRating(skillId, userId, rating, comment);
  ctx.model.rate({ rowId, skillId, userId, rating, comment, op: opIndex });
  ctx.stats.ratings++;
  return `${skillId}|${userId}=${rating}`;
}

/** Resolves one conflict; a merge answering 409 is retried with a choice per clashing field, or another strategy after a deletion. */
async function resolveOne(ctx: SequenceContext, id: number, strategy: Strategy, rng: Rng): Promise<string> {
  const d = ctx.daemon();
  const path = (s: Strategy) => `/api/admin/sync/conflicts/${id}/resolve?strategy=${s}`;
  let res = await d.call<{ error?: string; fields?: string[] }>('POST', path(strategy));
  let note = `#${id} ${strategy} → ${res.status}`;
  if (res.status === 409 && res.body.error === 'merge_not_possible' && strategy === 'merge') {
    const fields = res.body.fields ?? [];
    if (fields.length > 0) {
      const choices = Object.fromEntries(fields.map((f) => [f, rng() < 0.5 ? 'local' : 'remote']));
      res = await d.call('POST', path('merge'), { fields: choices });
      note += ` with ${JSON.stringify(choices)} → ${res.status}`;
    } else {
      const other: Strategy = rng() < 0.5 ? 'local_wins' : 'remote_wins';
      res = await d.call('POST', path(other));
      note += `, then ${other} → ${res.status}`;
    }
  }
  if (res.status === 200) ctx.stats.resolved++;
  else if (typeof res.body === 'object' && res.body && 'error' in res.body) note += ` ${String(res.body.error)}`;
  return note;
}

export async function executeOp(ctx: SequenceContext, op: Op, index: number): Promise<string> {
  const { emulator, local, model } = ctx;
  switch (op.kind) {
    case 'remote_update': {
      const r = emulator.mutate({ update: op.count, push: op.push, ...(op.tied ? { tied: true } : {}) });
      return `updated ${brief(r.updated)}`;
    }
    case 'remote_update_edited': {
      const liveIds = remoteLiveIds(emulator);
      const live = new Set(liveIds);
      const edited = model.editedIds().filter((id) => live.has(id)).sort();
      // nothing edited yet: change skills the local side may edit next, so the op is not wasted
      const targets = take(edited.length > 0 ? edited : liveIds, op.pick, op.count);
      if (targets.length === 0) return 'skipped: the remote is empty';
      const set = op.critical ? { code: `# remote code change at op ${index}\nprint("remote")` } : undefined;
      const r = emulator.mutate({ update_ids: targets, push: op.push, ...(set ? { set } : {}) });
      return `updated ${brief(r.updated)}`;
    }
    case 'remote_delete': {
      const rated = new Set(ctx.rated);
      const candidates = remoteLiveIds(emulator).filter((id) => !rated.has(id));
      const edited = new Set(model.editedIds());
      const preferred = op.edited ? candidates.filter((id) => edited.has(id)) : [];
      const targets = take(preferred.length > 0 ? preferred : candidates, op.pick, op.count);
      if (targets.length === 0) return 'skipped: nothing deletable';
      const r = emulator.mutate({ delete_ids: targets, push: op.push });
      return `deleted ${brief(r.deleted)}`;
    }
    case 'remote_add':
      return `added ${brief(emulator.mutate({ add: op.count, push: op.push }).added)}`;
    case 'remote_ratings':
      return `other users' ratings ${emulator.mutate({ ratings: op.count, push: op.push }).ratings.length}`;
    case 'local_edit': {
      const ids = cachedIds(local);
      if (ids.length === 0) return 'skipped: nothing cached';
      const skillId = at(ids, op.pick);
      const value = model.nextEditValue(skillId, op.field, ctx.config.seed);
      const when = new Date().toISOString();
      const done = op.field === 'code' ? local.editCode(skillId, value) : local.editSkills([skillId], () => value).length === 1;
      if (!done) return `skipped: ${skillId} vanished`;
      model.edit({ skillId, field: op.field, value, at: when, op: index });
      return `edited ${skillId}.${op.field}`;
    }
    case 'local_rate':
      return `rated ${rateLocally(ctx, index, at(ctx.rated, op.pick), `local-user-${op.user}`, op.rating)}`;
    case 'local_rerate': {
      const pairs = model.pairs().sort((a, b) => a.rowId.localeCompare(b.rowId));
      if (pairs.length === 0) return `first rating ${rateLocally(ctx, index, at(ctx.rated, op.pick), 'local-user-0', op.rating)}`;
      const pair = pairs[Math.min(pairs.length - 1, Math.floor(op.pick * pairs.length))]!;
      if (!op.inPlace) return `re-rated as a new row ${rateLocally(ctx, index, pair.skillId, pair.userId, op.rating)}`;
      const comment = `model seed ${ctx.config.seed} op ${index} rating ${ctx.stats.ratings + 1} ${pair.userId} (changed in place)`;
      if (!local.updateRating(pair.rowId, op.rating, comment)) return `skipped: row ${pair.rowId} gone`;
      model.rate({ ...pair, rating: op.rating, comment, op: index });
      ctx.stats.ratings++;
      return `re-rated in place ${pair.skillId}|${pair.userId}=${op.rating}`;
    }
    case 'resolve': {
      const open = await openConflicts(ctx.daemon());
      if (open.length === 0) return 'skipped: no open conflict';
      const chosen = open[Math.min(open.length - 1, Math.floor(op.pick * open.length))]!;
      return `${chosen.entity_id} (${chosen.conflict_type}, ${chosen.severity}) ${await resolveOne(ctx, chosen.id, op.strategy, mulberry32(op.salt))}`;
    }
    case 'bulk_resolve': {
      const d = ctx.daemon();
      let body: { conflict_ids: number[] } | undefined;
      if (!op.all) {
        const rng = mulberry32(op.salt);
        const ids = (await openConflicts(d)).map((c) => c.id).filter(() => rng() < op.share);
        if (ids.length === 0) return 'skipped: no conflict chosen';
        body = { conflict_ids: ids };
      }
      const res = await d.call<BulkResolveResponse>('POST', `/api/admin/sync/conflicts/bulk-resolve?strategy=${op.strategy}`, body);
      if (res.status !== 200) return String(res.status);
      ctx.stats.resolved += res.body.resolved;
      return `resolved ${res.body.resolved}, failed ${res.body.failed.length}`;
    }
    case 'sync':
      return String((await ctx.daemon().call('POST', `/api/admin/sync/trigger?mode=${op.mode}`)).status);
    case 'rating_sync':
      return String((await ctx.daemon().call('POST', '/api/admin/sync/ratings')).status);
    case 'ws_reconnect':
      return String((await ctx.daemon().call('POST', '/api/admin/sync/websocket/reconnect')).status);
    case 'faults':
      emulator.setFaults(op.faults);
      return 'set';
    case 'pause':
      await sleep(op.ms);
      return 'done';
    case 'kill':
      return killDuring(ctx, op, index);
  }
}

/** Until the emulator has seen `count` more marketplace requests after `from` (bounded). */
async function requestsReached(emulator: SequenceContext['emulator'], from: number, count: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
    if (emulator.requestCount() >= from + count) return true;
    await sleep(1);
  }
  return false;
}

/**
 * Starts the work, then kills once the emulator has seen a random number of its requests (so
 * the kill falls between pages or batches, not after the work is done), plus a few ms.
 */
async function killDuring(ctx: SequenceContext, op: Extract<Op, { kind: 'kill' }>, index: number): Promise<string> {
  const d = ctx.daemon();
  const { emulator } = ctx;
  const rng = mulberry32(op.salt);
  let note = '';
  if (op.during === 'sync') {
    const pages = Math.ceil(ctx.emulator.skillCount() / ctx.config.batchSize);
    const requests = 1 + Math.floor(rng() * (op.mode === 'full' ? pages + 1 : 2));
    const before = emulator.requestCount();
    const res = await d.call<{ run_id?: number }>('POST', `/api/admin/sync/trigger?mode=${op.mode}`);
    const reached = await requestsReached(emulator, before, requests, 3_000);
    note = `trigger → ${res.status}, ${reached ? '' : 'not '}past request ${requests}; `;
  } else if (op.during === 'upload') {
    const rated = Array.from({ length: op.ratings }, () => rateLocally(ctx, index, pick(rng, ctx.rated), `local-user-${Math.floor(rng() * 4)}`, 1 + Math.floor(rng() * 5)));
    const requests = 1 + Math.floor(rng() * Math.ceil(op.ratings / ctx.config.ratingBatchSize));
    const before = emulator.requestCount();
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 202; attempt++) {
      status = (await d.call('POST', '/api/admin/sync/ratings')).status;
      if (status !== 202) await sleep(10);
    }
    const reached = await requestsReached(emulator, before, requests, 3_000);
    note = `${rated.length} ratings, rating sync → ${status}, ${reached ? '' : 'not '}past request ${requests}; `;
  } else if (op.during === 'resolve') {
    const open = await openConflicts(d);
    if (open.length > 0) {
      const strategy = pick(rng, ['local_wins', 'remote_wins', 'merge'] as const);
      void d.call('POST', `/api/admin/sync/conflicts/bulk-resolve?strategy=${strategy}`).catch(() => undefined);
      note = `bulk ${strategy} of ${open.length} in flight; `;
    } else {
      note = 'no conflict to resolve; ';
    }
  }
  await sleep(op.during === 'idle' ? op.delayMs : Math.floor(op.delayMs / 10));
  return note + (await ctx.killAndRestart());
}
