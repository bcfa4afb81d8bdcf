import schedule from 'node-schedule';

/** Time as a dependency, so retry, backoff and staleness are testable without sleeping. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /**
   * Runs `fn` once, `ms` from now, for what is scheduled rather than retried (see `runLater`).
   * The system clock does it with node-schedule; a clock without it (a test's) uses its setTimeout.
   */
  schedule?(ms: number, fn: () => void): ScheduledCall;
}

export interface TimerHandle {
  unref?(): unknown;
}

export interface ScheduledCall {
  cancel(): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  schedule: (ms, fn) => {
    const job = schedule.scheduleJob(new Date(Date.now() + ms), fn);
    if (job) return { cancel: () => void job.cancel() };
    // node-schedule skips a date that is not in the future: such a call runs at once, as a timer would.
    const handle = setTimeout(fn, 0);
    return { cancel: () => clearTimeout(handle) };
  },
};

/**
 * The one way to arm a schedule (the periodic runs, the end of a timed pause): on the clock's
 * `schedule` when it has one, else on its setTimeout, which is how a manual clock drives it in tests.
 * A fallback timer never keeps the process alive.
 */
export function runLater(clock: Clock, ms: number, fn: () => void): ScheduledCall {
  if (clock.schedule) return clock.schedule(ms, fn);
  const handle = clock.setTimeout(fn, ms);
  handle.unref?.();
  return { cancel: () => clock.clearTimeout(handle) };
}

export function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

/** Resolves after `ms` on the given clock. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
