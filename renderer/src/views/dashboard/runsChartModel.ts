import type { RunSummary } from '../../../../engine/contracts/localHttpApi.js';

export interface ChartBar {
  id: number;
  x: number;
  width: number;
  height: number;
  y: number;
  failed: boolean;
  durationMs: number;
  startedAt: string;
}

export interface ChartModel {
  bars: ChartBar[];
  maxMs: number;
  failed: number;
  medianMs: number;
}

/** Geometry of the duration chart: finished runs oldest first, bar height relative to the longest. */
export function buildChartModel(runs: readonly RunSummary[], plot: { width: number; height: number }): ChartModel {
  const finished = runs
    .filter((run) => run.result !== 'running' && run.duration_ms !== null)
    .slice()
    .sort((a, b) => a.id - b.id);
  const durations = finished.map((run) => run.duration_ms ?? 0);
  const maxMs = Math.max(1, ...durations);
  const sorted = [...durations].sort((a, b) => a - b);
  const medianMs = sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : 0;
  const slot = finished.length ? plot.width / finished.length : plot.width;
  const width = Math.max(2, Math.min(40, slot * 0.7));
  const bars = finished.map((run, i): ChartBar => {
    // A failed run that took no time still gets a sliver, so its marker has something to sit on.
    const height = Math.max(2, ((run.duration_ms ?? 0) / maxMs) * plot.height);
    return {
      id: run.id,
      x: i * slot + (slot - width) / 2,
      width,
      height,
      y: plot.height - height,
      failed: run.result === 'failure',
      durationMs: run.duration_ms ?? 0,
      startedAt: run.started_at,
    };
  });
  return { bars, maxMs, failed: bars.filter((b) => b.failed).length, medianMs };
}
