/**
 * Quitting, logging out and shutting down all end the same way: stop the engine (the batch in
 * flight commits or rolls back, the database closes), then let the app exit. Once, with a deadline.
 */
export interface ShutdownDeps {
  stop: () => Promise<void>;
  /** Called once the engine stopped (or the deadline passed): the app may exit now. */
  exit: () => void;
  /** A stop taking longer than this does not keep the user's logout waiting. */
  deadlineMs: number;
  onError?: (message: string) => void;
}

export interface Shutdown {
  /** True once the engine is stopped and quitting may proceed. */
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
      if (running) return running;
      running = (async () => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const deadline = new Promise<'deadline'>((resolve) => {
          timer = setTimeout(() => resolve('deadline'), deps.deadlineMs);
        });
        try {
          const outcome = await Promise.race([deps.stop().then(() => 'stopped' as const), deadline]);
          if (outcome === 'deadline') deps.onError?.(`engine did not stop within ${deps.deadlineMs} ms (${reason}); exiting anyway`);
        } catch (error) {
          deps.onError?.(`error while stopping the engine (${reason}): ${(error as Error).message}`);
        } finally {
          clearTimeout(timer);
          done = true;
        }
        deps.exit();
      })();
      return running;
    },
  };
}
