import type { RunSummary } from '../../../../engine/contracts/localHttpApi.js';
import { formatDateTime, formatDuration, plural } from '../../lib/format.js';
import { buildChartModel } from './runsChartModel.js';

const WIDTH = 600;
const HEIGHT = 170;
const LEFT = 78;
const TOP = 24;
const BOTTOM = 26;
const PLOT = { width: WIDTH - LEFT - 8, height: HEIGHT - TOP - BOTTOM };

/** Durations of recent runs as bars, failed ones marked; the runs table below holds the same data. */
export function RunsChart({ runs }: { runs: readonly RunSummary[] }) {
  const model = buildChartModel(runs, PLOT);
  if (model.bars.length === 0) return null;
  const description =
    `${plural(model.bars.length, 'finished run')}, oldest on the left; ${model.failed} failed (marked with a cross). ` +
    `Longest ${formatDuration(model.maxMs)}, median ${formatDuration(model.medianMs)}. The same data is in the table of recent runs.`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="runs-chart-title runs-chart-desc" data-testid="runs-chart">
        <title id="runs-chart-title">Sync durations of recent runs</title>
        <desc id="runs-chart-desc">{description}</desc>
        <g transform={`translate(${LEFT} ${TOP})`}>
          {[0, 0.5, 1].map((f) => (
            <g key={f} className="chart-grid">
              <line x1={0} x2={PLOT.width} y1={PLOT.height * (1 - f)} y2={PLOT.height * (1 - f)} />
              <text x={-8} y={PLOT.height * (1 - f)} textAnchor="end" dominantBaseline="middle">
                {formatDuration(model.maxMs * f)}
              </text>
            </g>
          ))}
          {model.bars.map((bar) => (
            <g key={bar.id} className={bar.failed ? 'chart-bar chart-bar-failed' : 'chart-bar'} data-failed={bar.failed ? 'true' : 'false'}>
              <title>{`Run ${bar.id} at ${formatDateTime(bar.startedAt)}: ${formatDuration(bar.durationMs)}${bar.failed ? ', failed' : ''}`}</title>
              <rect x={bar.x} y={bar.y} width={bar.width} height={bar.height} rx={1.5} />
              {bar.failed && (
                <path
                  className="chart-cross"
                  d={`M${bar.x + bar.width / 2 - 5} ${bar.y - 14} l10 10 m0 -10 l-10 10`}
                />
              )}
            </g>
          ))}
          <text className="chart-axis-note" x={0} y={PLOT.height + 20}>
            older
          </text>
          <text className="chart-axis-note" x={PLOT.width} y={PLOT.height + 20} textAnchor="end">
            newer
          </text>
        </g>
      </svg>
      <figcaption className="visually-hidden">{description}</figcaption>
    </figure>
  );
}
