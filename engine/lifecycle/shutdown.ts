/**
 * Every way the engine's process ends (SIGTERM to the daemon; quit, logout or shutdown of the
 * desktop app) stops the same way: stop the engine (the batch in flight commits or rolls back,
 * the database closes), then exit. Once, however many signals ask, and with a deadline.
 */

/** How the stop ended: `deadline` means it was still running when the process gave up waiting. */
export type StopOutcome = 'stopped' | 'deadline' | 'failed';

export interface ShutdownDeps {
  /** Called once, with the reason of the first run(). */
  stop: (reason: string) => Promise<void>;
  /** Called once the engine stopped, failed to, or the deadline passed: the process may exit now. */
  exit: (outcome: StopOutcome) => void;
  /** A stop taking longer than this does not keep the user's logout (or the orchestrator) waiting. */
  deadlineMs: number;
  onError?: (message: string) => void;
}

export interface Shutdown {
  /** True once the engine is stopped (or given up on) and exiting may proceed. */
  readonly done: boolean;
  /** Starts (or joins) the shutdown; resolves after exit() was called. */
  run(reason: string): Promise<void>;
}

export function createShutdown(deps: ShutdownDeps): Shutdown {
  let done = false;
  let running: Promise<void> | null = null;
  return {
    get done() {
      return done;
    },
    run(reason) {
      running ??= (async () => {
        let outcome: StopOutcome = 'failed';
        let timer: ReturnType<typeof setTimeout> | undefined;
        const deadline = new Promise<'deadline'>((resolve) => {
          timer = setTimeout(() => resolve('deadline'), deps.deadlineMs);
        });
        try {
          outcome = await Promise.race([deps.stop(reason).then(() => 'stopped' as const), deadline]);
          if (outcome === 'deadline') deps.onError?.(`engine did not stop within ${deps.deadlineMs} ms (${reason}); exiting anyway`);
        } catch (error) {
          deps.onError?.(`error while stopping the engine (${reason}): ${(error as Error).message}`);
        } finally {
          clearTimeout(timer);
          done = true;
        }
        deps.exit(outcome);
      })();
      return running;
    },
  };
}
