import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import type { EngineSnapshot, HealthResponse } from '../contracts/api.js';
import type { Engine } from '../engineTypes.js';
import type { EngineEvents } from '../events.js';
import type { LogLevelControl, Logger } from '../log/index.js';
import type { LiveOptions } from './liveEvents.js';

export interface ApiDeps {
  config: Config;
  services: Engine['services'];
  health: () => HealthResponse;
  snapshot: () => EngineSnapshot;
  metrics: { contentType: string; render(): Promise<string> };
  events: EngineEvents;
  log: Logger;
  /** The running logger's level; null when the logger was handed in and cannot be switched. */
  logLevel?: LogLevelControl | null;
  publicConfig: () => object;
  /** Built renderer served at `/`; null (or a missing folder) answers `/` with a pointer to the API. */
  staticDir: string | null;
  clock: Clock;
  /** Live stream tuning (tests shorten the heartbeat). */
  live?: LiveOptions;
}
