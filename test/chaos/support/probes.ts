/**
 * Background probes an orchestrator would run: /health/live every 100 ms (must always answer 200,
 * quickly) and /health/sync (the worst status seen while `watching` is on).
 */
import type { HealthStatus } from '../../../engine/contracts/localHttpApi.js';
import { call } from '../../support/runningDaemon.js';

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

export interface ProbeStats {
  probes: number;
  /** Probes that failed, answered non-200, or took longer than the limit. */
  failures: string[];
  maxMs: number;
  worstHealth: HealthStatus;
}

export function startProbes(baseUrl: string, opts: { intervalMs?: number; slowMs?: number; maxProbes?: number } = {}) {
  const intervalMs = opts.intervalMs ?? 100;
  const slowMs = opts.slowMs ?? 2_000;
  const maxProbes = opts.maxProbes ?? 10_000;
  const stats: ProbeStats = { probes: 0, failures: [], maxMs: 0, worstHealth: 'healthy' };
  let watching = false;
  let stopped = false;

  const loop = (async () => {
    while (!stopped && stats.probes < maxProbes) {
      const t0 = performance.now();
      try {
        const live = await call(baseUrl, 'GET', '/health/live', undefined, slowMs * 2);
        const ms = performance.now() - t0;
        stats.maxMs = Math.max(stats.maxMs, ms);
        if (live.status !== 200) stats.failures.push(`/health/live answered ${live.status}`);
        else if (ms > slowMs) stats.failures.push(`/health/live took ${Math.round(ms)} ms`);
        if (watching) {
          const health = await call<{ status: HealthStatus }>(baseUrl, 'GET', '/health/sync', undefined, slowMs * 2);
          const status = health.body.status;
          if (RANK[status] > RANK[stats.worstHealth]) stats.worstHealth = status;
        }
      } catch (error) {
        stats.failures.push(`/health/live failed: ${(error as Error).message}`);
      }
      stats.probes++;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();

  return {
    /** Start or stop recording the worst /health/sync status. */
    watch(on: boolean) {
      watching = on;
    },
    async stop(): Promise<ProbeStats> {
      stopped = true;
      await loop;
      return stats;
    },
  };
}
