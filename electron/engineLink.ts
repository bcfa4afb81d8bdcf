/**
 * What the tray, the notifications and the window need from an engine, whether it runs inside
 * this process (inProcessLink.ts) or is an atom-sync daemon the app attached to over loopback
 * (attachedLink.ts). Everything above this line is the same in both cases.
 */
import type { PublicConfig } from '../engine/contracts/publicConfig.js';
import type { ConfigUpdate, EngineSnapshot, LiveEventName } from '../engine/contracts/localHttpApi.js';
import type { DispatchResponse } from '../engine/engineTypes.js';
import type { BridgeRequest } from '../engine/contracts/bridge.js';
import type { NewConflict, NotificationLevel } from './model/notificationPolicy.js';

/** The settings the desktop reads; live: they follow `config.changed`. */
export interface LinkSettings {
  notifications: NotificationLevel;
  syncIntervalMinutes: number;
  /** The engine's log file (Open logs shows its folder). */
  logPath: string;
  demoMode: boolean;
  tokenConfigured: boolean;
}

export interface SupportBundle {
  path: string;
  bytes: number;
}

/** Live events under the stream's names (`status` carries a snapshot, at most 4 a second). */
export type LinkListener = (name: LiveEventName, data: unknown) => void;

export interface EngineLink {
  readonly kind: 'in-process' | 'attached';
  /** The daemon's base URL when attached, else null. */
  readonly attachedTo: string | null;
  /** The latest snapshot (attached: the last one the daemon sent). */
  snapshot(): EngineSnapshot;
  settings(): LinkSettings;
  /** Why the engine cannot be reached right now (attached and the daemon went away), else null. */
  notice(): string | null;
  canWriteSupportBundle(): boolean;
  /** Returns the function that unsubscribes. */
  onEvent(listener: LinkListener): () => void;
  /** Conflicts that just appeared, with a name to show. */
  onConflictCreated(listener: (conflict: NewConflict) => void): () => void;
  /** One request of the local HTTP API (the window's bridge). */
  dispatch(request: BridgeRequest): Promise<DispatchResponse>;

  /** Starts an incremental sync; resolves to null when it started, else why not (`sync_in_progress`, `paused`, …). */
  syncNow(): Promise<string | null>;
  reconnect(): Promise<void>;
  syncRatings(): Promise<void>;
  /** Without `forMs`, until resumed. */
  pause(forMs?: number): Promise<void>;
  resume(): Promise<void>;
  /** Same as PUT /api/admin/sync/config; rejects with the engine's sentence when refused. */
  reconfigure(update: ConfigUpdate): Promise<PublicConfig>;
  writeSupportBundle(): Promise<SupportBundle>;
  /** The machine woke from sleep. */
  notifyResumed(): void;
  /** In process: stops the engine. Attached: closes the stream (the daemon keeps running). */
  close(): Promise<void>;
}

/** An engine's refusal, carrying its sentence (the `detail` of an API error). */
export class LinkError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message);
  }
}
