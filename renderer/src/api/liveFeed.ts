import type { EngineSnapshot } from '../../../engine/contracts/localHttpApi.js';

/** What a live source reports: the stream opened, an event arrived, or the stream went down. */
export interface LiveSourceHandlers {
  onOpen(): void;
  onEvent(name: string, data: unknown): void;
  onDown(reason: string): void;
}
export type OpenLiveSource = (handlers: LiveSourceHandlers) => { close(): void };

/** `live`: events stream in; `connecting`: first attempt; `polling`: stream down, snapshot fetched every few seconds. */
export type LiveState = 'connecting' | 'live' | 'polling';

export interface LiveTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LiveFeedOptions {
  open: OpenLiveSource;
  fetchSnapshot: () => Promise<EngineSnapshot>;
  onSnapshot: (snapshot: EngineSnapshot) => void;
  onEvent?: (name: string, data: unknown) => void;
  /** The stream state, and the last error reaching the engine (null once it answers again). */
  onState: (state: LiveState, error: string | null) => void;
  timers?: LiveTimers;
  pollMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

const defaultTimers: LiveTimers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as number),
};

/**
 * One live stream shared by every view: events while the stream is up; when it drops, the
 * snapshot is polled (every 5 s by default) and the stream reopened with growing backoff.
 * Snapshots older than the one shown are ignored, so a slow poll never rolls the UI back.
 */
export class LiveFeed {
  private readonly timers: LiveTimers;
  private readonly pollMs: number;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;
  private source: { close(): void } | null = null;
  private pollTimer: unknown = null;
  /** Identifies the running poll loop; a new loop (or none) makes an older one stop. */
  private pollLoop = 0;
  private polling = false;
  private reconnectTimer: unknown = null;
  private reconnectDelay: number;
  private state: LiveState = 'connecting';
  private error: string | null = null;
  private latestAt = '';
  private stopped = true;
  /** Bumped on every (re)open so events from a closed source are ignored. */
  private generation = 0;

  constructor(private readonly options: LiveFeedOptions) {
    this.timers = options.timers ?? defaultTimers;
    this.pollMs = options.pollMs ?? 5_000;
    this.reconnectMinMs = options.reconnectMinMs ?? 1_000;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 30_000;
    this.reconnectDelay = this.reconnectMinMs;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.setState('connecting', null);
    // A snapshot right away, so the first paint does not wait for the stream.
    void this.fetchOnce();
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    this.source?.close();
    this.source = null;
    this.stopPolling();
    this.clearTimer('reconnectTimer');
  }

  /** Fetches a snapshot now (after an action, so the UI need not wait for the next event). */
  refresh(): Promise<void> {
    return this.fetchOnce();
  }

  private connect(): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    const current = () => generation === this.generation && !this.stopped;
    try {
      this.source = this.options.open({
        onOpen: () => {
          if (!current()) return;
          this.reconnectDelay = this.reconnectMinMs;
          this.stopPolling();
          this.setState('live', null);
        },
        onEvent: (name, data) => {
          if (!current()) return;
          if (name === 'status') this.acceptSnapshot(data as EngineSnapshot);
          else this.options.onEvent?.(name, data);
        },
        onDown: (reason) => {
          if (current()) this.down(reason);
        },
      });
    } catch (error) {
      this.down(error instanceof Error ? error.message : String(error));
    }
  }

  private down(_reason: string): void {
    this.generation++;
    this.source?.close();
    this.source = null;
    this.setState('polling', this.error);
    this.startPolling();
    this.clearTimer('reconnectTimer');
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, this.reconnectDelay);
    this.reconnectDelay = Math.min(this.reconnectMaxMs, this.reconnectDelay * 2);
  }

  private startPolling(): void {
    if (this.polling) return;
    this.polling = true;
    const loop = ++this.pollLoop;
    const tick = async () => {
      this.pollTimer = null;
      await this.fetchOnce();
      if (loop !== this.pollLoop || this.stopped) return;
      this.pollTimer = this.timers.setTimeout(() => void tick(), this.pollMs);
    };
    void tick();
  }

  private stopPolling(): void {
    this.polling = false;
    this.pollLoop++;
    this.clearTimer('pollTimer');
  }

  private async fetchOnce(): Promise<void> {
    try {
      const snapshot = await this.options.fetchSnapshot();
      if (this.stopped) return;
      this.acceptSnapshot(snapshot);
      if (this.error !== null) this.setState(this.state, null);
    } catch (error) {
      if (this.stopped) return;
      this.setState(this.state, error instanceof Error ? error.message : String(error));
    }
  }

  private acceptSnapshot(snapshot: EngineSnapshot): void {
    if (!snapshot || typeof snapshot !== 'object' || typeof snapshot.at !== 'string') return;
    if (snapshot.at < this.latestAt) return;
    this.latestAt = snapshot.at;
    this.options.onSnapshot(snapshot);
  }

  private setState(state: LiveState, error: string | null): void {
    if (state === this.state && error === this.error && state !== 'connecting') return;
    this.state = state;
    this.error = error;
    this.options.onState(state, error);
  }

  private clearTimer(which: 'pollTimer' | 'reconnectTimer'): void {
    if (this[which] !== null) this.timers.clearTimeout(this[which]);
    this[which] = null;
  }
}
