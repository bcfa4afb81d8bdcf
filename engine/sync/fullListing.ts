import { isoNow } from '../clock.js';
import { addToTally } from './skillApplier.js';
import { isFinalPage, lastById, yieldToEventLoop, type ListingOutcome, type RunContext } from './runContext.js';

/** Progress of a full listing kept in sync_state.resume, written with each batch. */
interface FullResume {
  kind: 'full';
  page: number;
  page_size: number;
  /** Stamp taken before the listing: rows not written since were not listed. */
  cutoff: string;
  /** Cursor for the next incremental run (server time at the start, less a margin). */
  since: string;
  done: number;
}

const MAX_PAGES = 1_000_000;
/** Margin for clock skew: changes this close before the listing started are fetched again. */
const SINCE_MARGIN_MS = 5_000;
/** Up to this many unlisted rows are checked one by one before removal (a listing may shift under concurrent deletes). */
const VERIFY_LIMIT = 100;
/** Rows scanned per step of the sweep, between which other work runs. */
const SCAN_CHUNK = 5000;

function readResume(raw: string | null | undefined, pageSize: number): FullResume | null {
  if (!raw) return null;
  try {
    const resume = JSON.parse(raw) as FullResume;
    return resume.kind === 'full' && resume.page_size === pageSize ? resume : null;
  } catch {
    return null;
  }
}

/**
 * Pages through the whole catalogue, one transaction per page that also records where the
 * listing got to, then removes rows the remote no longer lists. Resumes a listing a crash interrupted.
 */
export async function runFullListing(ctx: RunContext): Promise<ListingOutcome> {
  const { client, state, batchSize, signal } = ctx;
  const resume = readResume(state.get('skills')?.resume, batchSize);
  if (resume) ctx.log.info('resuming full sync', { page: resume.page + 1, done: resume.done });
  let page = resume ? resume.page + 1 : 1;
  const cutoff = resume?.cutoff ?? ctx.stamp();
  let since = resume?.since ?? null;
  let done = resume?.done ?? 0;
  let total: number | null = null;

  const fetchPage = (n: number) => {
    const request = client.listSkills({ page: n, pageSize: batchSize }, signal);
    request.catch(() => undefined); // observed when awaited; never an unhandled rejection meanwhile
    return request;
  };
  let pending = fetchPage(page);
  for (let guard = 0; guard < MAX_PAGES; guard++) {
    const result = await pending;
    const last = result.received === 0 || isFinalPage(page, result.received, result.pageSize, result.total, result.totalPages);
    // The next page downloads while this one is written.
    if (!last) pending = fetchPage(page + 1);
    const now = ctx.clock.now();
    since ??= new Date(Math.min(result.serverTime ?? now, now) - SINCE_MARGIN_MS).toISOString();
    total = result.total;
    const skills = lastById(result.skills);
    const stamp = ctx.stamp();
    const progress: FullResume = { kind: 'full', page, page_size: batchSize, cutoff, since, done: done + skills.length };
    ctx.db.transaction(() => {
      for (const skill of skills) addToTally(ctx.tally, ctx.applier.applySkill(skill, stamp));
      state.saveProgress('skills', isoNow(ctx.clock), { resume: JSON.stringify(progress), items: progress.done });
    }).immediate();
    done = progress.done;
    ctx.progress('skills', done, total);
    await yieldToEventLoop();
    if (last) break;
    page++;
  }

  await sweepUnlisted(ctx, cutoff);
  return { items: done, cursor: since };
}

/** Rows the complete listing did not include: removed (after a check when few), or a conflict when locally modified. */
async function sweepUnlisted(ctx: RunContext, cutoff: string): Promise<void> {
  const { skills, applier, client, signal } = ctx;
  ctx.progress('sweep', 0, null);
  const unlisted: string[] = [];
  let after = '';
  for (let guard = 0; guard < 100_000; guard++) {
    const { ids, lastId } = skills.scanNotSeenSince(cutoff, after, SCAN_CHUNK);
    unlisted.push(...ids);
    if (lastId === null) break;
    after = lastId;
    await yieldToEventLoop();
  }
  if (unlisted.length <= VERIFY_LIMIT) {
    for (const skillId of unlisted) {
      const remote = await client.getSkill(skillId, signal);
      const stamp = ctx.stamp();
      ctx.db.transaction(() => {
        addToTally(ctx.tally, remote ? applier.applySkill(remote, stamp) : applier.applyDelete(skillId, stamp));
      }).immediate();
    }
  } else {
    let next = 0;
    await deleteEach(ctx, () => unlisted.slice(next, (next += 1000)));
  }
  await deleteEach(ctx, (after) => skills.modifiedNotSeenSince(cutoff, after, 500));
  if (ctx.tally.deleted > 0) ctx.log.info('removed skills the remote no longer lists', { deleted: ctx.tally.deleted });
}

/** Applies a remote deletion to every id a keyset query yields, one transaction per page. */
async function deleteEach(ctx: RunContext, nextIds: (afterId: string) => string[]): Promise<void> {
  let after = '';
  for (let guard = 0; guard < 100_000; guard++) {
    const ids = nextIds(after);
    if (ids.length === 0) return;
    const stamp = ctx.stamp();
    ctx.db.transaction(() => {
      for (const id of ids) addToTally(ctx.tally, ctx.applier.applyDelete(id, stamp));
    }).immediate();
    after = ids[ids.length - 1]!;
    await yieldToEventLoop();
  }
}
