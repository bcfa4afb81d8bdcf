import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import type { PublicConfig } from '../contracts/publicConfig.js';
import type { EngineSnapshot, HealthResponse, SettingsResponse } from '../contracts/localHttpApi.js';
import type { Engine } from '../engineTypes.js';
import type { EngineEvents } from '../events.js';
import type { LogLevelControl, Logger } from '../log/index.js';
import type { SupportBundleDeps } from '../support/supportBundle.js';
import type { LiveOptions } from './liveEvents.js';

export interface ApiDeps {
  /** The settings in force now (a getter: they change when a person saves new ones). */
  readonly config: Config;
  services: Engine['services'];
  health: () => HealthResponse;
  snapshot: () => EngineSnapshot;
  metrics: { contentType: string; render(): Promise<string> };
  events: EngineEvents;
  log: Logger;
  /** The running logger's level; null when the logger was handed in and cannot be switched. */
  logLevel?: LogLevelControl | null;
  publicConfig: () => PublicConfig;
  /** Run-time settings: what can be changed, and the change itself (PUT /config). */
  settings: {
    describe(): SettingsResponse;
    update(body: unknown): Promise<PublicConfig>;
  };
  /** Whether this replica leads, and which one does (remote work is the leader's). */
  replica: () => { leading: boolean; leaderId: string | null };
  /** What a diagnostics bundle is made of (GET/POST /support-bundle). */
  supportBundle: SupportBundleDeps;
  /** Built renderer served at `/`; null (or a missing folder) answers `/` with a pointer to the API. */
  staticDir: string | null;
  clock: Clock;
  /** Live stream tuning (tests shorten the heartbeat). */
  live?: LiveOptions;
}
