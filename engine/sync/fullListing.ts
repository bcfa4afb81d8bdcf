import { isoNow } from '../clock.js';
import { NEEDS_FULL, runKeysetListing, type KeysetPosition } from './incrementalListing.js';
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
  /** Set once the listing is read by keyset instead (offset pages shifted): where its next page starts. */
  keyset?: KeysetPosition;
}

const MAX_PAGES = 1_000_000;
/** Margin for clock skew: changes this close before the listing started are fetched again. */
const SINCE_MARGIN_MS = 5_000;
/** A listing that changed under us is read again, at most this many times in all. */
const MAX_PASSES = 3;
/** Rows scanned per step of the sweep, between which other work runs. */
const SCAN_CHUNK = 2000;
/** A keyset listing from here holds every row the remote has. */
const BEGINNING = '1970-01-01T00:00:00.000Z';
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
 * listing got to, and resumes a listing a crash interrupted. Offset pages shift under concurrent
 * deletes, and a server may cap pages silently, so a listing is complete only on evidence: no
 * row it listed was deleted after (what changed meanwhile is asked for by cursor when the remote
 * can list changes, and frames report the rest), `total` held, no page came short before the
 * end, and as many rows were seen as `total`. One that shifted is read again: by keyset when
 * the remote can list changes (immune to shifts), otherwise by offset, a few times. Then every row
 * no read listed is checked one by one, and removed only on proof (a 404).
 */
export async function runFullListing(ctx: RunContext): Promise<ListingOutcome> {
  const { batchSize } = ctx;
  const resume = readResume((await ctx.store.read.state.get('skills'))?.resume, batchSize);
  if (resume) {
    ctx.log.info('resuming full sync', { page: resume.page + 1, pass: resume.pass, done: resume.done, by_keyset: resume.keyset !== undefined });
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
  let keyset = resume?.keyset ?? null;
  // Learnt on the first catch-up: a remote that cannot list changes is not asked again each pass.
  let canListChanges: boolean | null = null;

  for (let guard = 0; keyset === null && guard < MAX_PASSES; guard++) {
    const result = await listPass(ctx, { cutoff, since, done, pass, asked, tracker, startPage });
    since = result.since;
    done = result.done;
    // What changed while the pages were read is applied now; a row it deletes that this pass had listed shifted later pages.
    if (canListChanges !== false) canListChanges = (await runKeysetListing(ctx, { since, page: 1 }, () => null)) !== NEEDS_FULL;
    const deletedMeanwhile = await ctx.store.read.tombstones.countListedThenDeleted(cutoff);
    const seen = (await ctx.store.read.skills.countSeenSince(cutoff)) + result.invalidUncached;
    const complete = !tracker.shifted && deletedMeanwhile === 0 && (tracker.total === null || seen >= tracker.total);
    if (complete) break;
    const facts = { pass, seen, total: tracker.total ?? undefined, served: tracker.served, deleted_meanwhile: deletedMeanwhile };
    if (canListChanges) {
      ctx.log.warn('the listing changed while it was read; listing again by cursor', facts);
      cutoff = ctx.stamp();
      keyset = { since: BEGINNING, page: 1 };
      break;
    }
    if (pass >= MAX_PASSES) {
      ctx.log.warn('the listing kept changing while it was read; rows it may have missed come with the next listing', facts);
      break;
    }
    ctx.log.warn('the listing changed while it was read; listing again', facts);
    // A server that served short pages is asked for what it serves.
    if (tracker.served > 0 && tracker.served < asked) asked = tracker.served;
    pass++;
    cutoff = ctx.stamp();
    tracker = new PageTracker();
    startPage = 1;
  }
  if (keyset !== null) done += await listByKeyset(ctx, keyset, { cutoff, since: since ?? isoNow(ctx.clock), done, pass, asked, tracker });

  await sweepUnlisted(ctx, cutoff);
  await ctx.store.write.tombstones.prune(new Date(Date.parse(cutoff) - TOMBSTONE_KEEP_MS).toISOString());
  return { items: done, cursor: since };
}

/** The whole catalogue read by keyset, saving where it got to with each page; returns the rows read. */
async function listByKeyset(ctx: RunContext, start: KeysetPosition, at: Omit<PassInput, 'startPage' | 'since'> & { since: string }): Promise<number> {
  const progress = (keyset: KeysetPosition): FullResume => ({
    kind: 'full',
    page: 0,
    page_size: ctx.batchSize,
    cutoff: at.cutoff,
    since: at.since,
    done: at.done,
    pass: at.pass,
    asked: at.asked,
    listing: at.tracker.state(),
    keyset,
  });
  const outcome = await runKeysetListing(ctx, start, (next) => ({ resume: JSON.stringify(progress(next)) }));
  // The remote answered changes a moment ago; if it stopped, the sweep still checks every row not listed.
  return outcome === NEEDS_FULL ? 0 : outcome.items;
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
