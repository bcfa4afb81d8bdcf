import { isoNow } from '../clock.js';
import { applyPage } from './pageWriter.js';
import { verifySkills } from './skillVerifier.js';
import { lastById, PageTracker, type ListingOutcome, type RunContext } from './runContext.js';

/** Progress of a full listing kept in sync_state.resume, written with each batch. */
interface FullResume {
  kind: 'full';
  page: number;
  page_size: number;
  /** Stamp taken before this pass: rows not written since were not listed by it. */
  cutoff: string;
  /** Cursor for the next incremental run (server time at the start, less a margin). */
  since: string;
  done: number;
  pass: number;
  /** Page size this pass asks for (smaller than the configured one after a server capped it). */
  asked: number;
  listing: { served: number; first_total: number | null; shifted: boolean };
}

const MAX_PAGES = 1_000_000;
/** Margin for clock skew: changes this close before the listing started are fetched again. */
const SINCE_MARGIN_MS = 5_000;
/** A listing that changed under us is read again, at most this many times in all. */
const MAX_PASSES = 3;
/** Rows scanned per step of the sweep, between which other work runs. */
const SCAN_CHUNK = 2000;
/** Tombstones older than this before a full listing can no longer meet one of its pages. */
const TOMBSTONE_KEEP_MS = 24 * 3_600_000;

function readResume(raw: string | null | undefined, pageSize: number): FullResume | null {
  if (!raw) return null;
  try {
    const resume = JSON.parse(raw) as FullResume;
    return resume.kind === 'full' && resume.page_size === pageSize && typeof resume.pass === 'number' && resume.listing ? resume : null;
  } catch {
    return null;
  }
}

/**
 * Pages through the whole catalogue, one transaction per page that also records where the
 * listing got to. A listing that shifted while it was read (offset pages move under concurrent
 * deletes; a server may cap pages silently) is read again; then every row no pass listed is
 * checked one by one, and removed only on proof (a 404). Resumes a listing a crash interrupted.
 */
export async function runFullListing(ctx: RunContext): Promise<ListingOutcome> {
  const { batchSize } = ctx;
  const resume = readResume((await ctx.store.read.state.get('skills'))?.resume, batchSize);
  if (resume) {
    ctx.log.info('resuming full sync', { page: resume.page + 1, pass: resume.pass, done: resume.done });
    // The cutoff may come from another process's clock: keep our stamps after it.
    ctx.stamp.raiseTo(resume.cutoff);
  }
  let since = resume?.since ?? null;
  let done = resume?.done ?? 0;
  let cutoff = resume?.cutoff ?? ctx.stamp();
  let pass = resume?.pass ?? 1;
  let asked = resume?.asked ?? batchSize;
  let tracker = new PageTracker(resume?.listing);
  let startPage = resume ? resume.page + 1 : 1;

  for (let guard = 0; guard < MAX_PASSES; guard++) {
    const result = await listPass(ctx, { cutoff, since, done, pass, asked, tracker, startPage });
    since = result.since;
    done = result.done;
    const seen = (await ctx.store.read.skills.countSeenSince(cutoff)) + result.invalidUncached;
    const complete = !tracker.shifted && (tracker.total === null || seen >= tracker.total);
    if (complete || pass >= MAX_PASSES) break;
    ctx.log.warn('the listing changed while it was read; listing again', { pass, seen, total: tracker.total ?? undefined, served: tracker.served });
    // A server that served short pages is asked for what it serves.
    if (tracker.served > 0 && tracker.served < asked) asked = tracker.served;
    pass++;
    cutoff = ctx.stamp();
    tracker = new PageTracker();
    startPage = 1;
  }

  await sweepUnlisted(ctx, cutoff);
  await ctx.store.write.tombstones.prune(new Date(Date.parse(cutoff) - TOMBSTONE_KEEP_MS).toISOString());
  return { items: done, cursor: since };
}

interface PassInput {
  cutoff: string;
  since: string | null;
  done: number;
  pass: number;
  asked: number;
  tracker: PageTracker;
  startPage: number;
}

/** One read of the listing; the next page downloads while the current one is written. */
async function listPass(ctx: RunContext, input: PassInput): Promise<{ since: string; done: number; invalidUncached: number }> {
  const { client, signal, batchSize } = ctx;
  const { tracker, cutoff, pass, asked } = input;
  let { since, done } = input;
  let invalidUncached = 0;
  const fetchPage = (n: number) => {
    const request = client.listSkills({ page: n, pageSize: asked }, signal);
    request.catch(() => undefined); // observed when awaited; never an unhandled rejection meanwhile
    return request;
  };
  let page = input.startPage;
  let pending = fetchPage(page);
  for (let guard = 0; guard < MAX_PAGES; guard++) {
    const result = await pending;
    const last = tracker.page(page, result.received, result.total);
    if (!last) pending = fetchPage(page + 1);
    const now = ctx.clock.now();
    since ??= new Date(Math.min(result.serverTime ?? now, now) - SINCE_MARGIN_MS).toISOString();
    const progress: FullResume = {
      kind: 'full',
      page,
      page_size: batchSize,
      cutoff,
      since,
      done: done + result.skills.length,
      pass,
      asked,
      listing: tracker.state(),
    };
    const written = await applyPage(ctx, { skills: lastById(result.skills), tombstones: [], invalid: result.invalid }, {
      resume: JSON.stringify(progress),
      items: progress.done,
    });
    invalidUncached += written.invalidUncached;
    done = progress.done;
    ctx.progress('skills', done, tracker.total);
    if (last) break;
    page++;
  }
  return { since: since ?? isoNow(ctx.clock), done, invalidUncached };
}

/** Rows the last pass did not list: each is checked by id, and removed only on proof (a 404). */
async function sweepUnlisted(ctx: RunContext, cutoff: string): Promise<void> {
  ctx.progress('sweep', 0, null);
  let after = '';
  let checked = 0;
  for (let guard = 0; guard < 1_000_000; guard++) {
    const { ids, lastId } = await ctx.store.read.skills.scanNotSeenSince(cutoff, after, SCAN_CHUNK);
    const before = checked;
    checked += await verifySkills(ctx, ids, (n) => ctx.progress('sweep', before + n, null));
    if (lastId === null) break;
    after = lastId;
  }
  if (checked > 0) ctx.log.info('checked skills the listing did not include', { checked, deleted: ctx.tally.deleted });
}
