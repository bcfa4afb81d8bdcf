import type { Clock } from './clock.js';
import type { Config } from './config/index.js';
import type { PublicConfig } from './contracts/publicConfig.js';
import type { SettingsSource } from './config/savedSettings.js';
import type { Leadership } from './leader/leadership.js';
import type { EngineSnapshot } from './contracts/localHttpApi.js';
import type { BridgeRequest } from './contracts/bridge.js';
import type { EngineEvents } from './events.js';
import type { Logger } from './log/index.js';
import type { CatalogueSync, ConflictResolution, RatingSync, SchedulerControl, WebSocketControl } from './services.js';

/** The built-in remote of demo mode: the emulator, which the composition roots start (the engine never imports its test peer). */
export interface DemoRemote {
  apiUrl: string;
  wsUrl: string;
  close(): Promise<void>;
}

/** Starts the demo remote with a catalogue of `skills` skills. */
export type DemoRemoteFactory<R extends DemoRemote = DemoRemote> = (options: { skills: number }) => Promise<R>;

export interface EngineOptions<R extends DemoRemote = DemoRemote> {
  /** Serve the HTTP API on config.host:config.port (default true). The desktop shell may run without. */
  listen?: boolean;
  clock?: Clock;
  logger?: Logger;
  /** Folder of the built renderer served at `/` (default dist/renderer next to the package). */
  staticDir?: string | null;
  /** Run the first sync at start (default true). */
  syncOnStart?: boolean;
  /** Who runs the remote work among replicas on one database (default: this engine alone leads). */
  leadership?: Leadership;
  /** This replica's id among several (default ATOM_INSTANCE_ID's value). */
  replicaId?: string;
  /** Where settings changed at run time are kept; without it the settings cannot be changed (PUT /config answers 409). */
  settings?: SettingsSource;
  /** Starts the remote of demo mode (no API URL configured); without it, demo mode cannot start. */
  demoRemote?: DemoRemoteFactory<R>;
}

/** One request of the local HTTP API, as the desktop bridge carries it, plus the headers to send (the admin token). */
export interface DispatchRequest extends BridgeRequest {
  headers?: Record<string, string>;
}
export interface DispatchResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Engine {
  /** The settings in force now. */
  readonly config: Config;
  readonly events: EngineEvents;
  readonly log: Logger;
  readonly demoMode: boolean;
  /** Remote actually used (the emulator's URLs in demo mode); follows settings changes. */
  readonly remote: { apiUrl: string | null; wsUrl: string | null };
  readonly services: {
    sync: CatalogueSync;
    scheduler: SchedulerControl;
    websocket: WebSocketControl;
    ratings: RatingSync;
    conflicts: ConflictResolution;
  };
  /** Base URL the API listens on once started (null when not listening or the port was taken). */
  readonly url: string | null;
  start(): Promise<void>;
  /** Graceful: stops the scheduler and socket, lets the batch in flight commit or roll back, closes the DB. */
  stop(): Promise<void>;
  snapshot(): EngineSnapshot;
  /** Whether this replica runs the remote work now (always true for a lone engine). */
  readonly isLeader: boolean;
  /**
   * Saves and applies a settings change (as PUT /api/admin/sync/config): fields named as GET /config
   * names them, null for the default. Rejects with EngineError invalid_setting (400, `extra.field`)
   * or settings_fixed (409).
   */
  reconfigure(update: Readonly<Record<string, string | number | boolean | null>>): Promise<PublicConfig>;
  /** Writes a diagnostics bundle (logs, status, redacted config, schema, runs and errors) beside the log; resolves with its path. */
  writeSupportBundle(): Promise<{ path: string; bytes: number }>;
  /** The same routes over a private socket only this process knows (the desktop bridge), whoever holds the TCP port. */
  dispatch(request: DispatchRequest): Promise<DispatchResponse>;
  /** The machine woke from sleep: reconnect the socket now and close the gap with an incremental sync. */
  notifyResumed(): void;
}
