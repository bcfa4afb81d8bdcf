import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { silentLogger, type Logger } from '../log/index.js';
import { describePgError } from '../store/pg/connection.js';

/**
 * Leader election among daemon replicas sharing one PostgreSQL database: whoever holds a
 * session-level advisory lock leads. Only the leader runs schedules, uploads, downloads and the
 * WebSocket; the others wait as standbys and take over when the lock comes free.
 *
 * No two leaders overlap. The lock lives on a dedicated session (never a pooled connection) and is
 * released only when that session ends or on stop(). A replica reports leader only within a lease:
 *   - a heartbeat sent at `s` that finds the lock held by our session proves we held it at some
 *     instant after `s`, so the lock is lost (if at all) at some `r > s`;
 *   - `isLeader` is true only until `s + leaseMs` (the clock is read on every call, so a late
 *     timer cannot stretch it), and the 'standby' event fires by then at the latest — earlier when
 *     a heartbeat fails, times out, or the session reports an error or its end;
 *   - a replica that gets the lock at `a >= r` (measured when the answer arrives) reports leader
 *     only after `a + takeoverDelayMs`, with a fresh heartbeat, and `takeoverDelayMs > leaseMs`.
 * So the new leader starts after `r + takeoverDelayMs > s + leaseMs`, when the old one has stopped.
 * Heartbeats every `heartbeatMs`, answered within `heartbeatTimeoutMs`, keep a healthy leader's
 * lease renewed: hence heartbeatMs + heartbeatTimeoutMs < leaseMs < takeoverDelayMs (checked).
 * Durations come from one process's monotonic clock, never from comparing two machines' clocks.
 *
 * Takeover time: a leader that stops or whose process dies frees the lock at once (the server sees
 * the socket close); a standby notices within `retryMs` and leads `takeoverDelayMs` later (about
 * 5 s with the defaults). A leader that vanishes silently (host lost, network cut) is dropped by the
 * server through `idle_session_timeout` and `tcp_user_timeout`, set on the lock session, after at
 * most `serverDropMs` (6 s): a standby leads within about 11 s.
 *
 * Needs a direct connection or a session-mode pooler: a transaction-mode pooler (PgBouncer's
 * default) would hand the lock to whatever client gets that server connection next.
 */

export type LeaderRole = 'leader' | 'standby';
export type StepDownReason = 'stopped' | 'session_lost' | 'heartbeat_failed' | 'heartbeat_timeout' | 'lock_lost' | 'lease_expired';

export interface LeaderChange {
  readonly instanceId: string;
  readonly reason: 'elected' | StepDownReason;
}
export type LeaderListener = (role: LeaderRole, info: LeaderChange) => void;

export interface LeaderTimings {
  /** How often a standby tries the lock (and the pause before reconnecting after a lost session). */
  readonly retryMs: number;
  readonly heartbeatMs: number;
  /** A heartbeat not answered within this is a lost session. */
  readonly heartbeatTimeoutMs: number;
  /** How long a new lock holder waits before it leads: longer than any old leader's lease. */
  readonly takeoverDelayMs: number;
  /** Reconnection backoff ceiling while the database cannot be reached. */
  readonly maxBackoffMs: number;
  readonly connectTimeoutMs: number;
}

export const DEFAULT_LEADER_TIMINGS: LeaderTimings = {
  retryMs: 2_000,
  heartbeatMs: 1_000,
  heartbeatTimeoutMs: 1_500,
  takeoverDelayMs: 3_000,
  maxBackoffMs: 5_000,
  connectTimeoutMs: 5_000,
};

/** Half-way between what a healthy heartbeat needs and the takeover delay: slack on both sides. */
export function leaseMsOf(t: LeaderTimings): number {
  return Math.floor((t.heartbeatMs + t.heartbeatTimeoutMs + t.takeoverDelayMs) / 2);
}

/** How long the server keeps a lock session that went silent: beyond any healthy gap between its queries. */
export function serverDropMsOf(t: LeaderTimings): number {
  return Math.max(2 * (t.heartbeatMs + t.heartbeatTimeoutMs), 2 * t.retryMs) + 1_000;
}

export function checkTimings(t: LeaderTimings): void {
  for (const [name, value] of Object.entries(t)) {
    if (!Number.isInteger(value) || value <= 0) throw new Error(`leader election: ${name} must be a positive whole number of ms`);
  }
  if (t.heartbeatMs + t.heartbeatTimeoutMs >= t.takeoverDelayMs) {
    throw new Error('leader election: heartbeatMs + heartbeatTimeoutMs must be shorter than takeoverDelayMs, or two leaders could overlap');
  }
}

/** Two 31-bit keys from a stable name, for pg_try_advisory_lock(int, int) (found in pg_locks as classid/objid). */
export function advisoryLockKeys(name: string): [number, number] {
  const digest = createHash('sha256').update(name).digest();
  return [digest.readUInt32BE(0) & 0x7fff_ffff, digest.readUInt32BE(4) & 0x7fff_ffff];
}

const APP_PREFIX = 'atom-sync:';
const TRY_LOCK = 'SELECT pg_try_advisory_lock($1, $2) AS locked';
const UNLOCK = 'SELECT pg_advisory_unlock($1, $2) AS unlocked';
const HELD = `SELECT EXISTS (
  SELECT 1 FROM pg_locks
   WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND classid = $1 AND objid = $2 AND objsubid = 2
) AS held`;
const HOLDER = `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1`;

export interface LeaderElectionOptions {
  /** This replica's id (ATOM_INSTANCE_ID), visible to the others as the leader's. */
  readonly instanceId: string;
  /** ATOM_DATABASE_URL; or `createClient` for a session built elsewhere. */
  readonly connectionString?: string;
  /** A new, unconnected client for each session (never a pooled one); should enable TCP keepalive. */
  readonly createClient?: () => pg.Client;
  /** Replicas that elect one leader share this name. */
  readonly lockName?: string;
  readonly timings?: Partial<LeaderTimings>;
  /** `now()` must be monotonic: the default is performance.now(). */
  readonly clock?: Clock;
  readonly logger?: Logger;
}

interface Session {
  readonly client: pg.Client;
  lost: boolean;
  holdsLock: boolean;
}

type Answer = { ok: true; rows: Record<string, unknown>[] } | { ok: false; timedOut: boolean; error: unknown };

const monotonicClock: Clock = { ...systemClock, now: () => performance.now() };

export class LeaderElection {
  readonly timings: LeaderTimings;
  readonly leaseMs: number;
  private readonly keys: [number, number];
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly listeners = new Set<LeaderListener>();
  private readonly makeClient: () => pg.Client;
  private role: LeaderRole = 'standby';
  private leaseUntil = 0;
  private leaseTimer: TimerHandle | null = null;
  private session: Session | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private connectFailures = 0;

  constructor(private readonly options: LeaderElectionOptions) {
    this.timings = { ...DEFAULT_LEADER_TIMINGS, ...options.timings };
    checkTimings(this.timings);
    this.leaseMs = leaseMsOf(this.timings);
    this.keys = advisoryLockKeys(options.lockName ?? 'atom-sync:leader');
    this.clock = options.clock ?? monotonicClock;
    this.log = (options.logger ?? silentLogger).child('leader');
    const connectionString = options.connectionString;
    if (!options.createClient && !connectionString) throw new Error('leader election needs a connectionString or createClient');
    this.makeClient =
      options.createClient ??
      (() =>
        new pg.Client({
          connectionString,
          keepAlive: true,
          keepAliveInitialDelayMillis: this.timings.heartbeatMs,
          connectionTimeoutMillis: this.timings.connectTimeoutMs,
        }));
  }

  /** True only while this replica holds the lock within its lease: check it before leader-only work. */
  get isLeader(): boolean {
    return this.role === 'leader' && this.clock.now() < this.leaseUntil;
  }

  /** Called with 'leader' when this replica takes over and 'standby' when it steps down; returns an unsubscribe. */
  onChange(listener: LeaderListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.loop()
      .catch((error: unknown) => this.log.error('leader election stopped on an unexpected error', { error }))
      .finally(() => {
        this.running = null;
      });
  }

  /**
   * Steps down (listeners hear 'standby' first), then releases the lock and closes the session.
   * Returns within about connectTimeoutMs (a connection attempt in flight) or heartbeatTimeoutMs.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stepDown('stopped');
    this.wakeUp();
    await this.running;
  }

  /**
   * The instance id of the replica holding the lock (it leads, or will once its takeover delay
   * has passed), read from the holder's application_name; null when nobody holds it or this
   * replica has no session right now.
   */
  async leaderInstanceId(): Promise<string | null> {
    const session = this.session;
    if (!session || session.lost) return null;
    const answer = await this.ask(session, HOLDER);
    if (!answer.ok) return null;
    const name = answer.rows[0]?.application_name;
    if (typeof name !== 'string') return null;
    return name.startsWith(APP_PREFIX) ? name.slice(APP_PREFIX.length) : name;
  }

  private async loop(): Promise<void> {
    let backoff = this.timings.retryMs;
    while (!this.stopping) {
      const session = await this.open();
      if (session) {
        backoff = this.timings.retryMs;
        await this.campaign(session);
        await this.close(session);
      }
      if (this.stopping) break;
      await this.pause(session ? this.timings.retryMs : backoff * (0.75 + Math.random() * 0.5));
      if (!session) backoff = Math.min(backoff * 2, this.timings.maxBackoffMs);
    }
  }

  private async open(): Promise<Session | null> {
    const client = this.makeClient();
    const session: Session = { client, lost: false, holdsLock: false };
    client.on('error', (error) => this.sessionLost(session, error));
    client.on('end', () => this.sessionLost(session));
    try {
      const connected = await this.bounded(client.connect().then(() => true), this.timings.connectTimeoutMs);
      if (!connected) throw new Error('timeout expired');
      // Set here rather than in the URL, which may carry its own application_name.
      await client.query("SELECT set_config('application_name', $1, false), set_config('statement_timeout', $2, false)", [
        (APP_PREFIX + this.options.instanceId).slice(0, 63),
        String(this.timings.heartbeatTimeoutMs),
      ]);
      // The server drops a lock session that went silent, so a vanished leader frees the lock.
      const dropMs = String(serverDropMsOf(this.timings));
      for (const setting of ['idle_session_timeout', 'tcp_user_timeout']) {
        await client.query('SELECT set_config($1, $2, false)', [setting, dropMs]).catch((error: unknown) => {
          this.log.debug('server setting not available for the lock session', { setting, error });
        });
      }
      if (this.connectFailures > 0) this.log.info('leader election reconnected to the database', { failures: this.connectFailures });
      this.connectFailures = 0;
      this.session = session;
      return session;
    } catch (error) {
      this.connectFailures++;
      const message = this.options.connectionString ? describePgError(error, this.options.connectionString).message : String((error as Error)?.message ?? error);
      if (this.connectFailures === 1) this.log.warn('leader election cannot reach the database; retrying', { error: message });
      else this.log.debug('leader election still cannot reach the database', { error: message, failures: this.connectFailures });
      this.destroy(session);
      return null;
    }
  }

  /** Tries the lock until this session ends; leads while it holds it. */
  private async campaign(session: Session): Promise<void> {
    const t = this.timings;
    while (!this.stopping && !session.lost) {
      const tried = await this.ask(session, TRY_LOCK);
      if (!tried.ok) {
        this.destroy(session);
        return;
      }
      if (tried.rows[0]?.locked !== true) {
        await this.pause(t.retryMs);
        continue;
      }
      session.holdsLock = true;
      const acquiredAt = this.clock.now();
      this.log.debug('holding the leader lock; leading after the takeover delay', { delay_ms: t.takeoverDelayMs });
      let lastSent = acquiredAt;
      for (let beat = 0; !this.stopping && !session.lost; beat++) {
        const wait = this.role === 'leader' ? lastSent + t.heartbeatMs - this.clock.now() : Math.min(t.heartbeatMs, acquiredAt + t.takeoverDelayMs - this.clock.now());
        if (wait > 0) await this.pause(wait);
        if (this.stopping || session.lost) return;
        const sentAt = await this.heartbeat(session);
        if (sentAt === null || this.stopping || session.lost) return;
        lastSent = sentAt;
        const now = this.clock.now();
        if (sentAt + this.leaseMs <= now) continue; // confirmed too late to lean on: beat again
        if (this.role === 'leader') this.renew(sentAt + this.leaseMs);
        else if (now >= acquiredAt + t.takeoverDelayMs) this.becomeLeader(sentAt + this.leaseMs);
      }
      return;
    }
  }

  /** One check that our session still holds the lock: its send time, or null (stepped down, session dropped). */
  private async heartbeat(session: Session): Promise<number | null> {
    const sentAt = this.clock.now();
    const answer = await this.ask(session, HELD);
    if (answer.ok && answer.rows[0]?.held === true) return sentAt;
    const reason: StepDownReason = answer.ok ? 'lock_lost' : answer.timedOut ? 'heartbeat_timeout' : 'heartbeat_failed';
    this.stepDown(reason, answer.ok ? undefined : answer.error);
    this.destroy(session);
    return null;
  }

  /** One query on the lock keys, bounded by the heartbeat timeout. */
  private async ask(session: Session, sql: string): Promise<Answer> {
    try {
      const result = await this.bounded(session.client.query(sql, this.keys), this.timings.heartbeatTimeoutMs);
      return result ? { ok: true, rows: result.rows as Record<string, unknown>[] } : { ok: false, timedOut: true, error: new Error('no answer in time') };
    } catch (error) {
      return { ok: false, timedOut: false, error };
    }
  }

  private async close(session: Session): Promise<void> {
    if (session.holdsLock && !session.lost) {
      // Listeners heard 'standby' before this: the lock is freed only once nobody here leads.
      await this.ask(session, UNLOCK);
    }
    if (!session.lost) {
      session.lost = true;
      await this.bounded(session.client.end(), 1_000).catch(() => undefined);
    }
    this.destroy(session);
    if (this.session === session) this.session = null;
  }

  private sessionLost(session: Session, error?: unknown): void {
    if (session.lost) return;
    session.lost = true;
    if (this.session === session) this.stepDown('session_lost', error);
    this.wakeUp();
  }

  /** Drops a session at once, without waiting on a server that may not answer. */
  private destroy(session: Session): void {
    const wasLost = session.lost;
    session.lost = true;
    if (!wasLost && this.session === session) this.stepDown('session_lost');
    session.client.connection?.stream?.destroy();
    if (this.session === session) this.session = null;
    this.wakeUp();
  }

  private becomeLeader(until: number): void {
    this.role = 'leader';
    this.renew(until);
    this.log.info('this replica now leads', { instance_id: this.options.instanceId });
    this.emit('leader', 'elected');
  }

  private renew(until: number): void {
    this.leaseUntil = until;
    if (this.leaseTimer) this.clock.clearTimeout(this.leaseTimer);
    this.leaseTimer = this.clock.setTimeout(() => {
      this.leaseTimer = null;
      if (this.role !== 'leader' || this.clock.now() < this.leaseUntil) return;
      this.stepDown('lease_expired');
      if (this.session) this.destroy(this.session);
    }, Math.max(0, until - this.clock.now()));
  }

  private stepDown(reason: StepDownReason, error?: unknown): void {
    if (this.role !== 'leader') return;
    this.role = 'standby';
    this.leaseUntil = 0;
    if (this.leaseTimer) this.clock.clearTimeout(this.leaseTimer);
    this.leaseTimer = null;
    const fields = { reason, instance_id: this.options.instanceId, ...(error ? { error: (error as Error)?.message ?? String(error) } : {}) };
    if (reason === 'stopped') this.log.info('this replica stops leading', fields);
    else this.log.warn('this replica steps down', fields);
    this.emit('standby', reason);
  }

  private emit(role: LeaderRole, reason: LeaderChange['reason']): void {
    for (const listener of this.listeners) {
      try {
        listener(role, { instanceId: this.options.instanceId, reason });
      } catch (error) {
        this.log.error('a leader change listener failed', { error });
      }
    }
  }

  /** Resolves after `ms`, or sooner when the session drops or stop() is called. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let handle: TimerHandle | null = null;
      const done = () => {
        if (handle) this.clock.clearTimeout(handle);
        if (this.wake === done) this.wake = null;
        resolve();
      };
      this.wake = done;
      handle = this.clock.setTimeout(done, Math.max(0, ms));
    });
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** The promise's value, or undefined when `ms` passes first. */
  private bounded<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      const handle = this.clock.setTimeout(() => resolve(undefined), ms);
      promise.then(
        (value) => {
          this.clock.clearTimeout(handle);
          resolve(value);
        },
        (error: unknown) => {
          this.clock.clearTimeout(handle);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}
