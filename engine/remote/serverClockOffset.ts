/** An HTTP date has whole seconds: a header saying T was written at some instant in [T, T + 1 s). */
const DATE_RESOLUTION_MS = 1_000;
/** Recent answers each bound is taken over: enough to outvote a slow or odd one, few enough to follow a clock step. */
const OFFSET_SAMPLES = 9;
/** Samples older than this say nothing about the server's clock now (a laptop slept, a clock was stepped). */
const OFFSET_SAMPLE_TTL_MS = 10 * 60_000;
/** A stamp further ahead of the answer's own Date header than this is bad data, not the server's clock. */
const MAX_STAMP_LEAD_MS = 24 * 60 * 60_000;

interface Sample {
  at: number;
  offsetMs: number;
}

/**
 * How far the server's clock for `updated_at` stamps runs ahead of ours (negative: behind), so a
 * stamp of ours can be put on it before the server compares it with its own ("newest timestamp
 * wins"). The aim is never to fall short: a local change made after the server stamped a value
 * must read newer than that stamp. Two bounds, the higher wins:
 * - the Date header: written at a server instant in [Date, Date + 1 s) that fell, on our clock,
 *   between sending and receiving; each sample is (Date - midpoint) rounded up by the header's
 *   resolution and half the round trip, so every sample, and their median, is at least the true
 *   offset (at the cost of reading up to about a second late);
 * - the stamps it hands out: they never go backwards, so its stamp clock is at least the newest
 *   stamp it has shown us. This matters after its clock was set back (stamps stay ahead of its
 *   Date header until real time catches up).
 */
export class ServerClockOffset {
  private readonly dates: Sample[] = [];
  private readonly stamps: Sample[] = [];

  /** A Date header (ms) on an answer to a request sent and answered at these local times. */
  recordDate(serverTime: number, sentAt: number, receivedAt: number): void {
    if (!Number.isFinite(serverTime) || !Number.isFinite(sentAt) || receivedAt < sentAt) return;
    push(this.dates, { at: receivedAt, offsetMs: serverTime + DATE_RESOLUTION_MS - sentAt });
  }

  /** The newest `updated_at` (ms) in an answer received at this local time, with the answer's Date header when it had one. */
  recordStamp(stampMs: number, receivedAt: number, serverTime: number | null): void {
    if (!Number.isFinite(stampMs) || (serverTime !== null && stampMs > serverTime + MAX_STAMP_LEAD_MS)) return;
    push(this.stamps, { at: receivedAt, offsetMs: stampMs - receivedAt });
  }

  /** The offset to put a local stamp on the server's clock; null before any recent answer showed it. */
  estimate(now: number): number | null {
    const fresh = (list: readonly Sample[]) => list.filter((s) => Math.abs(now - s.at) <= OFFSET_SAMPLE_TTL_MS).map((s) => s.offsetMs);
    const dates = fresh(this.dates).sort((a, b) => a - b);
    const stamps = fresh(this.stamps);
    const fromDate = dates.length > 0 ? dates[Math.floor((dates.length - 1) / 2)]! : null;
    // Each stamp sample is a lower bound (the stamp may be older than its answer): the highest counts.
    const fromStamps = stamps.length > 0 ? Math.max(...stamps) : null;
    if (fromDate === null) return fromStamps;
    return fromStamps === null ? fromDate : Math.max(fromDate, fromStamps);
  }
}

function push(samples: Sample[], sample: Sample): void {
  samples.push(sample);
  if (samples.length > OFFSET_SAMPLES) samples.shift();
}
