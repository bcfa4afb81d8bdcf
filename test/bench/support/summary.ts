/**
 * One figure per target across every bench, written as bench-results/summary.md (a markdown
 * table for the README) with the machine it ran on. Each bench's figures are also kept in
 * bench-results/<name>.figures.json, so `--only <name>` refreshes its rows and keeps the others.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machine } from './report.js';

export interface Figure {
  bench: string;
  figure: string;
  value: number | string;
  unit: string;
  /** Human-readable target, or '' when the figure is context only. */
  target: string;
  /** Whether the target is met; null when there is none. */
  met: boolean | null;
}

interface BenchFigures {
  bench: string;
  at: string;
  quick: boolean;
  figures: Figure[];
}

const dir = () => path.resolve('bench-results');
const show = (v: number | string) => (typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(v < 10 ? 2 : 1)) : v);

/** Records one bench's figures (replacing its previous ones). */
export function saveFigures(bench: string, figures: Figure[], quick: boolean): void {
  mkdirSync(dir(), { recursive: true });
  const entry: BenchFigures = { bench, at: new Date().toISOString(), quick, figures };
  writeFileSync(path.join(dir(), `${bench}.figures.json`), JSON.stringify(entry, null, 2));
}

/** Every bench's latest figures, in `order` (unknown names last). */
function loadFigures(order: readonly string[]): BenchFigures[] {
  if (!existsSync(dir())) return [];
  const all = readdirSync(dir())
    .filter((f) => f.endsWith('.figures.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir(), f), 'utf8')) as BenchFigures);
  const rank = (b: BenchFigures) => (order.includes(b.bench) ? order.indexOf(b.bench) : order.length);
  return all.sort((a, b) => rank(a) - rank(b));
}

export function summaryMarkdown(benches: readonly BenchFigures[], failed: string[]): string {
  const m = machine();
  const lines = [
    '# Benchmarks',
    '',
    `${m.cpus} × ${m.cpu_model}, ${m.memory_gb} GB, Node ${m.node}, ${m.platform}`,
    '',
    '| bench | figure | value | target | met | measured |',
    '|---|---|---:|---|:---:|---|',
    ...benches.flatMap((b) =>
      b.figures.map(
        (f) =>
          `| ${f.bench} | ${f.figure} | ${show(f.value)}${f.unit ? ` ${f.unit}` : ''} | ${f.target || '—'} | ${f.met === null ? '—' : f.met ? 'yes' : '**no**'} | ${b.at.slice(0, 16).replace('T', ' ')}${b.quick ? ' (quick)' : ''} |`,
      ),
    ),
  ];
  if (failed.length > 0) lines.push('', `Benches that did not complete in the last run: ${failed.join(', ')}.`);
  return `${lines.join('\n')}\n`;
}

/** Rewrites summary.md from every bench's latest figures; returns its path and the figures. */
export function writeSummary(order: readonly string[], failed: string[]): { file: string; figures: Figure[] } {
  const benches = loadFigures(order);
  mkdirSync(dir(), { recursive: true });
  const file = path.join(dir(), 'summary.md');
  writeFileSync(file, summaryMarkdown(benches, failed));
  return { file, figures: benches.flatMap((b) => b.figures) };
}
