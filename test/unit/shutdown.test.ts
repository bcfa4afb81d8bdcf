import { describe, expect, it } from 'vitest';
import { createShutdown } from '../../engine/lifecycle/shutdown.js';

const deferred = () => {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

describe('shutdown', () => {
  it('stops the engine before letting the app exit, once however many events ask', async () => {
    const order: string[] = [];
    const stop = deferred();
    let stops = 0;
    const shutdown = createShutdown({
      stop: () => {
        stops++;
        order.push('stop');
        return stop.promise.then(() => void order.push('stopped'));
      },
      exit: () => void order.push('exit'),
      deadlineMs: 5_000,
    });
    const a = shutdown.run('quit');
    const b = shutdown.run('system shutdown');
    expect(shutdown.done).toBe(false);
    expect(order).toEqual(['stop']);
    stop.resolve();
    await Promise.all([a, b]);
    expect(order).toEqual(['stop', 'stopped', 'exit']);
    expect(stops).toBe(1);
    expect(shutdown.done).toBe(true);
  });

  it('exits anyway when the engine takes longer than the deadline, saying so', async () => {
    const errors: string[] = [];
    let exited = false;
    const shutdown = createShutdown({
      stop: () => new Promise<void>(() => {}),
      exit: () => {
        exited = true;
      },
      deadlineMs: 30,
      onError: (m) => errors.push(m),
    });
    const started = Date.now();
    await shutdown.run('session-end');
    expect(exited).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(errors[0]).toContain('did not stop within 30 ms (session-end)');
  });

  it('exits when stopping fails, reporting the error', async () => {
    const errors: string[] = [];
    let exited = 0;
    const shutdown = createShutdown({
      stop: () => Promise.reject(new Error('database is locked')),
      exit: () => void exited++,
      deadlineMs: 1_000,
      onError: (m) => errors.push(m),
    });
    await shutdown.run('quit');
    expect(exited).toBe(1);
    expect(errors).toEqual(['error while stopping the engine (quit): database is locked']);
    expect(shutdown.done).toBe(true);
  });
});
