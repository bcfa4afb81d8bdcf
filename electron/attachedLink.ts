/**
 * An atom-sync daemon that already serves this database, used over loopback instead of starting a
 * second engine on the same file: its snapshot and settings over the HTTP API, its changes over the
 * server-sent event stream (GET /api/admin/sync/events), and every command as the API call an
 * operator would make with curl. When the stream drops, it is reopened with a growing wait and the
 * tray says the service is unreachable meanwhile.
 */
import { request } from 'undici';
import type { PublicConfig } from '../engine/contracts/publicConfig.js';
import type { BridgeRequest } from '../engine/contracts/bridge.js';
import type { ConfigUpdate, ConflictListResponse, EngineSnapshot, LiveEventName } from '../engine/contracts/localHttpApi.js';
import type { DispatchResponse } from '../engine/engineTypes.js';
import type { Logger } from '../engine/log/index.js';
import { LinkError, type EngineLink, type LinkListener, type LinkSettings, type SupportBundle } from './engineLink.js';
import { apiCall, parseJson, refusal, type Answer } from './loopbackApi.js';
import { freshConflicts } from './model/conflictWatch.js';
import { isNotificationLevel, type NewConflict } from './model/notificationPolicy.js';
import { SseParser, type SseEvent } from './model/sseParser.js';

const ADMIN = '/api/admin/sync';
const LIVE_NAMES: ReadonlySet<string> = new Set<LiveEventName>([
  'status',
  'sync.progress',
  'sync.finished',
  'websocket.state',
  'ratings.status',
  'conflicts.counts',
  'sync.error',
  'config.changed',
]);
/** Conflicts read when the count grows (the API lists critical ones first); the API's largest page. */
const CONFLICT_PAGE = 500;

export interface AttachOptions {
  /** The daemon's base URL, e.g. http://127.0.0.1:8000. */
  url: string;
  /** Sent as `Authorization: Bearer` when the daemon asks for one. */
  adminToken: string | null;
  log: Logger;
  requestTimeoutMs?: number;
  /** Longest wait between attempts to reopen the event stream (default 15 s). */
  maxRetryMs?: number;
  /** The stream counts as dead after this long without a byte (the daemon sends a heartbeat every 15 s). */
  streamIdleMs?: number;
}

export class AttachedLink implements EngineLink {
  readonly kind = 'attached' as const;
  readonly attachedTo: string;
  private snap: EngineSnapshot;
  private config: PublicConfig;
  private noticeText: string | null = null;
  private closed = false;
  private readonly listeners = new Set<LinkListener>();
  private readonly conflictListeners = new Set<(conflict: NewConflict) => void>();
  private readonly seenConflicts = new Set<number>();
  private lastUnresolved: number;
  private readonly abort = new AbortController();
  private streaming: Promise<void> = Promise.resolve();
  private conflictCheck: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  private constructor(
    private readonly options: AttachOptions,
    snapshot: EngineSnapshot,
    config: PublicConfig,
  ) {
    this.attachedTo = options.url.replace(/\/+$/, '');
    this.snap = snapshot;
    this.config = config;
    this.lastUnresolved = snapshot.conflicts.unresolved;
  }

  /** Reads the daemon's snapshot and settings, then opens its event stream. Rejects when it does not answer as atom-sync. */
  static async connect(options: AttachOptions): Promise<AttachedLink> {
    const get = async <T>(path: string): Promise<T> => {
      const answer = await apiCall(options, undefined, 'GET', `${ADMIN}${path}`);
      if (answer.status !== 200 || answer.json === undefined) throw refusal(`GET ${ADMIN}${path}`, answer);
      return answer.json as T;
    };
    const [snapshot, config] = await Promise.all([get<EngineSnapshot>('/snapshot'), get<PublicConfig>('/config')]);
    const link = new AttachedLink(options, snapshot, config);
    // Conflicts open before we attached were told by whoever saw them appear.
    await link.seedConflicts();
    link.streaming = link.stream();
    return link;
  }

  snapshot(): EngineSnapshot {
    return this.snap;
  }

  settings(): LinkSettings {
    const c = this.config;
    return {
      notifications: isNotificationLevel(c.notifications) ? c.notifications : 'all',
      syncIntervalMinutes: c.sync_interval_minutes,
      logPath: c.log_path,
      demoMode: c.demo_mode,
      tokenConfigured: c.token_configured,
    };
  }

  notice(): string | null {
    return this.noticeText;
  }

  canWriteSupportBundle(): boolean {
    return true;
  }

  onEvent(listener: LinkListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onConflictCreated(listener: (conflict: NewConflict) => void): () => void {
    this.conflictListeners.add(listener);
    return () => this.conflictListeners.delete(listener);
  }

  async dispatch(req: BridgeRequest): Promise<DispatchResponse> {
    const answer = await this.call(req.method, req.path, req.body);
    return { status: answer.status, headers: answer.headers, body: answer.text };
  }

  async syncNow(): Promise<string | null> {
    const answer = await this.call('POST', `${ADMIN}/trigger`);
    if (answer.status === 202) return null;
    const code = (answer.json as { error?: unknown } | undefined)?.error;
    if (answer.status === 409 || answer.status === 503) return typeof code === 'string' ? code : `HTTP ${answer.status}`;
    throw refusal('sync', answer);
  }

  async reconnect(): Promise<void> {
    await this.command('POST', '/websocket/reconnect');
  }

  async syncRatings(): Promise<void> {
    await this.command('POST', '/ratings');
  }

  async pause(forMs?: number): Promise<void> {
    await this.command('POST', '/pause', forMs === undefined ? undefined : { minutes: Math.max(1, Math.round(forMs / 60_000)) });
  }

  async resume(): Promise<void> {
    await this.command('POST', '/resume');
  }

  async reconfigure(update: ConfigUpdate): Promise<PublicConfig> {
    const answer = await this.command('PUT', '/config', update);
    this.config = answer.json as PublicConfig;
    return this.config;
  }

  async writeSupportBundle(): Promise<SupportBundle> {
    const answer = await this.call('POST', `${ADMIN}/support-bundle`);
    if (answer.status === 404 || answer.status === 405) {
      throw new LinkError(`The Atom Sync service at ${this.attachedTo} cannot write a diagnostics bundle (it runs an older version).`, answer.status, 'not_supported');
    }
    if (answer.status >= 300) throw refusal('the diagnostics bundle', answer);
    const body = answer.json as Partial<SupportBundle> | undefined;
    if (typeof body?.path !== 'string' || typeof body.bytes !== 'number') throw new LinkError('The service did not say where it wrote the bundle.', answer.status, null);
    return { path: body.path, bytes: body.bytes };
  }

  notifyResumed(): void {
    // The daemon slept too but was not told: the same catch-up the in-process engine does.
    void this.call('POST', `${ADMIN}/websocket/reconnect`).catch(() => undefined);
    void this.call('POST', `${ADMIN}/trigger`).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    this.wake?.();
    this.listeners.clear();
    this.conflictListeners.clear();
    await this.streaming;
  }

  private call(method: string, path: string, body?: unknown): Promise<Answer> {
    return apiCall(this.options, this.abort.signal, method, path, body);
  }

  private async getJson<T>(path: string): Promise<T> {
    const answer = await this.call('GET', `${ADMIN}${path}`);
    if (answer.status !== 200 || answer.json === undefined) throw refusal(`GET ${ADMIN}${path}`, answer);
    return answer.json as T;
  }

  /** A state-changing call that must be accepted (2xx); otherwise the daemon's sentence is thrown. */
  private async command(method: string, path: string, body?: unknown): Promise<Answer> {
    const answer = await this.call(method, `${ADMIN}${path}`, body);
    if (answer.status < 200 || answer.status >= 300) throw refusal(`${method} ${path}`, answer);
    return answer;
  }

  private async stream(): Promise<void> {
    const maxRetryMs = this.options.maxRetryMs ?? 15_000;
    let failures = 0;
    while (!this.closed) {
      try {
        await this.readStream(() => {
          failures = 0;
          this.setNotice(null);
        });
        if (this.closed) return;
        throw new Error('the service closed the event stream');
      } catch (error) {
        if (this.closed) return;
        failures++;
        const reason = (error as Error).message;
        this.setNotice(`Cannot reach the Atom Sync service at ${this.attachedTo}; retrying`);
        if (failures === 1) this.options.log.warn('lost the attached service', { url: this.attachedTo, error: reason });
        await this.sleep(Math.min(maxRetryMs, 500 * 2 ** Math.min(failures - 1, 10)));
      }
    }
  }

  private async readStream(onOpen: () => void): Promise<void> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.options.adminToken) headers.authorization = `Bearer ${this.options.adminToken}`;
    const res = await request(`${this.attachedTo}${ADMIN}/events`, {
      method: 'GET',
      headers,
      headersTimeout: this.options.requestTimeoutMs ?? 15_000,
      bodyTimeout: this.options.streamIdleMs ?? 45_000,
      signal: this.abort.signal,
    });
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      throw new Error(`the event stream answered HTTP ${res.statusCode}`);
    }
    onOpen();
    const parser = new SseParser((event) => this.handle(event));
    res.body.setEncoding('utf8');
    for await (const chunk of res.body) {
      if (this.closed) break;
      parser.push(chunk as string);
    }
  }

  private handle(event: SseEvent): void {
    if (!LIVE_NAMES.has(event.event)) return;
    const name = event.event as LiveEventName;
    const data = parseJson(event.data);
    if (data === undefined) {
      this.options.log.debug('unreadable event from the attached service', { event: name });
      return;
    }
    if (name === 'status') {
      this.snap = data as EngineSnapshot;
      this.noteConflictCount(this.snap.conflicts.unresolved);
    }
    if (name === 'conflicts.counts') this.noteConflictCount((data as { unresolved?: number }).unresolved ?? 0);
    if (name === 'config.changed') {
      // Listeners read the new settings when they hear of the change.
      void this.getJson<PublicConfig>('/config').then(
        (config) => {
          this.config = config;
          this.emit(name, data);
        },
        (error: unknown) => this.options.log.warn('could not read the changed settings', { error: (error as Error).message }),
      );
      return;
    }
    this.emit(name, data);
  }

  private emit(name: LiveEventName, data: unknown): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(name, data);
      } catch (error) {
        this.options.log.warn('desktop listener failed', { event: name, error: (error as Error).message });
      }
    }
  }

  private setNotice(text: string | null): void {
    if (text === this.noticeText) return;
    this.noticeText = text;
    // The tray re-renders on any event; a status event carries the last snapshot we have.
    this.emit('status', this.snap);
  }

  private noteConflictCount(unresolved: number): void {
    const grew = unresolved > this.lastUnresolved;
    this.lastUnresolved = unresolved;
    if (grew && this.conflictCheck === null) {
      this.conflictCheck = this.checkConflicts().finally(() => {
        this.conflictCheck = null;
      });
    }
  }

  private async seedConflicts(): Promise<void> {
    const list = await this.getJson<ConflictListResponse>(`/conflicts?status=unresolved&limit=${CONFLICT_PAGE}`).catch(() => null);
    for (const item of list?.items ?? []) this.seenConflicts.add(item.id);
  }

  private async checkConflicts(): Promise<void> {
    try {
      const list = await this.getJson<ConflictListResponse>(`/conflicts?status=unresolved&limit=${CONFLICT_PAGE}`);
      for (const conflict of freshConflicts(this.seenConflicts, list.items)) {
        for (const listener of [...this.conflictListeners]) listener(conflict);
      }
    } catch (error) {
      if (!this.closed) this.options.log.warn('could not list the new conflicts', { error: (error as Error).message });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
