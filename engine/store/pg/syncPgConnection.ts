/**
 * A synchronous face on node-postgres for the store worker, whose units of work are synchronous
 * code: each statement is posted to the connection thread (pgConnectionWorker.ts), and this thread
 * blocks with Atomics.wait until the answer is there, then takes it with receiveMessageOnPort (the
 * pattern synckit uses). Every wait is bounded: past it the session is reset and the call fails.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { PostgresError } from '../storeErrors.js';
import type { PgConnectionSettings, PgConnectionWorkerData, PgReply, PgRequest, QueryRequest, ResetMessage } from './pgProtocol.js';

const FROM_SOURCE = import.meta.url.endsWith('.ts');
const ENTRY = new URL(FROM_SOURCE ? './pgConnectionWorker.ts' : './pgConnectionWorker.js', import.meta.url);
const BOOT = new URL('../worker/tsxBoot.mjs', import.meta.url);
/** Beyond the statement and connect timeouts, for the answer to cross the threads. */
const ANSWER_SLACK_MS = 5_000;
const START_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 2_000;

export type QueryOptions = Pick<QueryRequest, 'name' | 'begin' | 'session'> & {
  /** How long to wait for this answer (default: the statement and connect timeouts, and some slack). */
  waitMs?: number;
};

export class SyncPgConnection {
  private nextId = 1;
  private gone: string | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly signal: Int32Array,
    private readonly waitMs: number,
  ) {
    worker.on('error', (error) => (this.gone = `the PostgreSQL connection thread failed: ${error.message}`));
    worker.on('exit', (code) => (this.gone ??= `the PostgreSQL connection thread exited with code ${code}`));
  }

  /** Starts the connection thread (it connects on the first statement). */
  static async start(settings: PgConnectionSettings): Promise<SyncPgConnection> {
    const shared = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    const { port1, port2 } = new MessageChannel();
    const data: PgConnectionWorkerData = { ...settings, signal: shared, port: port2 };
    const options = { workerData: { entry: ENTRY.href, data }, transferList: [port2] };
    const worker = FROM_SOURCE ? new Worker(BOOT, options) : new Worker(ENTRY, options);
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        clearTimeout(timer);
        void worker.terminate();
        reject(error);
      };
      const timer = setTimeout(() => fail(new Error('the PostgreSQL connection thread did not start')), START_TIMEOUT_MS);
      worker.once('message', (message: { type?: string }) => {
        if (message?.type !== 'ready') return;
        clearTimeout(timer);
        resolve();
      });
      worker.once('error', fail);
      worker.once('exit', (code) => fail(new Error(`the PostgreSQL connection thread exited with code ${code}`)));
    });
    for (const event of ['message', 'error', 'exit']) worker.removeAllListeners(event);
    return new SyncPgConnection(worker, port1, new Int32Array(shared), settings.statementTimeoutMs + settings.connectTimeoutMs + ANSWER_SLACK_MS);
  }

  /** Runs one statement (with the BEGIN it opens, when given) and waits for its answer. */
  query(text: string, values: readonly unknown[], options: QueryOptions = {}): PgReply {
    const { waitMs, ...request } = options;
    return this.exchange({ type: 'query', id: this.nextId++, text, values, ...request }, waitMs);
  }

  /** Ends the session and the thread. */
  async close(): Promise<void> {
    if (this.gone === null) {
      try {
        this.exchange({ type: 'close', id: this.nextId++ }, CLOSE_TIMEOUT_MS);
      } catch {
        /* it goes down below either way */
      }
      this.gone = 'the store was closed';
    }
    await Promise.race([new Promise((resolve) => this.worker.once('exit', resolve)), new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS))]);
    await this.worker.terminate();
  }

  private exchange(request: PgRequest, waitMs = this.waitMs): PgReply {
    if (this.gone !== null) throw new PostgresError(this.gone, 'closed');
    this.port.postMessage(request);
    const deadline = Date.now() + waitMs;
    for (;;) {
      // Read the counter before looking, so an answer posted in between ends the wait at once.
      const seen = Atomics.load(this.signal, 0);
      const reply = this.take(request.id);
      if (reply) return reply;
      const left = deadline - Date.now();
      if (left <= 0) {
        // The session may be stuck in that statement: drop it, so the next call gets a fresh one.
        this.port.postMessage({ type: 'reset' } satisfies ResetMessage);
        throw new PostgresError(`PostgreSQL did not answer within ${Math.round(waitMs / 1000)} s; the connection was reset`, 'timeout');
      }
      Atomics.wait(this.signal, 0, seen, left);
    }
  }

  private take(id: number): PgReply | undefined {
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (!received) return undefined;
      const reply = received.message as PgReply;
      if (reply.id === id) return reply;
      // Otherwise a late answer to a request given up on: dropped.
    }
  }
}
