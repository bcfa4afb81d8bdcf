/**
 * The header's status: the same pure function the tray uses (engine/status/overall.ts), so the
 * window and the tray can never disagree.
 */
import type { EngineSnapshot } from '../../../engine/contracts/localHttpApi.js';
import { overallStatus, type OverallState, type OverallStatus } from '../../../engine/status/overall.js';

export type { OverallState };

export function headerStatus(snapshot: EngineSnapshot | null, now: number, intervalMinutes?: number): OverallStatus {
  return overallStatus(snapshot, intervalMinutes === undefined ? { now } : { now, intervalMinutes });
}
