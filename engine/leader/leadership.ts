/**
 * Who runs the remote work. One replica alone always leads; replicas sharing a PostgreSQL
 * database elect one (advisoryLock.ts). The engine starts its remote parts on 'leader' and stops
 * them on 'standby'.
 */
import type { LeaderRole } from './advisoryLock.js';

export type { LeaderRole } from './advisoryLock.js';

export interface Leadership {
  /** Checked before leader-only work starts: true only within the current lease. */
  readonly isLeader: boolean;
  onChange(listener: (role: LeaderRole) => void): () => void;
  start(): void;
  stop(): Promise<void>;
  /** The replica that leads now, as far as this one can tell; null when none does or it cannot tell. */
  leaderInstanceId(): Promise<string | null>;
}

/** A single replica (SQLite, or one daemon): it leads from the start and never steps down. */
export function soleLeader(instanceId: string): Leadership {
  return {
    isLeader: true,
    onChange: () => () => {},
    start: () => {},
    stop: async () => {},
    leaderInstanceId: async () => instanceId,
  };
}
