import { Worker } from 'node:worker_threads';
import { StoreUnavailableError } from './storeErrors.js';
import type { CallMessage, Notice, Remote, ReplyMessage, SerializedError, StoreMode, WorkerMessage } from './worker/protocol.js';

export type { Notice, Remote } from './worker/protocol.js';

export interface StoreClientOptions {
  /** The worker entry module (a .ts entry runs through tsx, for tests and source runs). */
  entry: URL;
  workerData: unknown;
  /** Turns an error the worker threw back into the caller's class (EngineError and the like). */
  reviveError?: (error: SerializedError) => Error | undefined;
  onNotice?: (notice: Notice) => void;
  /** Told of every answer: null when the call succeeded, else the error it failed with. */
  onSettled?: (error: Error | null) => void;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

const BOOT = new URL('./worker/tsxBoot.mjs', import.meta.url);

/**
 * The engine's side of the store: every call is a message to the one worker thread that owns
 * the database, answered by a promise. `read.*` and `write.*` reach the same tree; a write is one
 * transaction. A worker that dies fails what was in flight and is started again on the next call.
 */
export class StoreClient<T extends object> {
  readonly read: Remote<T>;
  readonly write: Remote<T>;
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  private constructor(private readonly options: StoreClientOptions) {
    this.read = this.proxy('read', []) as Remote<T>;
    this.write = this.proxy('write', []) as Remote<T>;
  }

  /** Starts the worker and waits until the database is open and migrated. */
  static async open<T extends object>(options: StoreClientOptions): Promise<StoreClient<T>> {
    const client = new StoreClient<T>(options);
    await client.ensureWorker();
    return client;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker ?? (await this.starting?.catch(() => null)) ?? null;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(() => void worker.terminate().finally(resolve), 5_000);
      worker.once('exit', () => {
        clearTimeout(deadline);
        resolve();
      });
      worker.postMessage({ type: 'close' });
    });
    this.failPending(new StoreUnavailableError('the store was closed'));
  }

  private proxy(mode: StoreMode, path: string[]): unknown {
    return new Proxy(() => undefined, {
      get: (_target, key) => (typeof key === 'string' && key !== 'then' ? this.proxy(mode, [...path, key]) : undefined),
      apply: (_target, _this, args: unknown[]) => this.call(mode, path, args),
    });
  }

  private async call(mode: StoreMode, path: string[], args: unknown[]): Promise<unknown> {
    if (this.closed) throw new StoreUnavailableError('the store was closed');
    const worker = await this.ensureWorker();
    const id = this.nextId++;
    const message: CallMessage = { type: 'call', id, mode, path, args };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage(message);
    });
  }

  private ensureWorker(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= this.spawn().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private spawn(): Promise<Worker> {
    const { entry } = this.options;
    const fromSource = entry.pathname.endsWith('.ts');
    const worker = fromSource
      ? new Worker(BOOT, { workerData: { entry: entry.href, data: this.options.workerData } })
      : new Worker(entry, { workerData: { entry: entry.href, data: this.options.workerData } });
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          ready = true;
          this.worker = worker;
          resolve(worker);
        } else if (message.type === 'open_failed') {
          reject(this.revive(message.error));
        } else if (message.type === 'reply') {
          this.settle(message);
        } else {
          this.options.onNotice?.(message);
        }
      });
      worker.on('error', (error) => {
        if (!ready) reject(error);
        this.options.onNotice?.({ type: 'log', scope: 'store', level: 'error', message: 'store worker failed', fields: { error: error.message } });
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = null;
        if (!ready) reject(new StoreUnavailableError(`the store worker exited with code ${code} while opening the database`));
        this.failPending(new StoreUnavailableError(`the store worker exited with code ${code}`));
      });
    });
  }

  private settle(message: ReplyMessage): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.ok) {
      this.options.onSettled?.(null);
      pending.resolve(message.value);
    } else {
      const error = this.revive(message.error);
      this.options.onSettled?.(error);
      pending.reject(error);
    }
  }

  private failPending(error: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
  }

  private revive(serialized: SerializedError): Error {
    const revived = this.options.reviveError?.(serialized);
    if (revived) return revived;
    const error = new Error(serialized.message);
    error.name = serialized.name;
    Object.assign(error, serialized.props);
    return error;
  }
}
