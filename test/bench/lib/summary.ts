/**
 * One figure per target across every bench, written as bench-results/summary.md (a markdown
 * table for the README) with the machine it ran on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
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

const show = (v: number | string) => (typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(v < 10 ? 2 : 1)) : v);

export function summaryMarkdown(figures: readonly Figure[], notes: { quick: boolean; seconds: number; failed: string[] }): string {
  const m = machine();
  const lines = [
    '# Benchmarks',
    '',
    `${new Date().toISOString()} · ${notes.quick ? 'quick (reduced sizes)' : 'full size'} · ${m.cpus} × ${m.cpu_model}, ${m.memory_gb} GB, Node ${m.node}, ${m.platform} · ${Math.round(notes.seconds)} s`,
    '',
    '| bench | figure | value | target | met |',
    '|---|---|---:|---|:---:|',
    ...figures.map((f) => `| ${f.bench} | ${f.figure} | ${show(f.value)}${f.unit ? ` ${f.unit}` : ''} | ${f.target || '—'} | ${f.met === null ? '—' : f.met ? 'yes' : '**no**'} |`),
  ];
  if (notes.failed.length > 0) lines.push('', `Benches that did not complete: ${notes.failed.join(', ')}.`);
  return `${lines.join('\n')}\n`;
}

export function writeSummary(figures: readonly Figure[], notes: { quick: boolean; seconds: number; failed: string[] }): string {
  const dir = path.resolve('bench-results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'summary.md');
  writeFileSync(file, summaryMarkdown(figures, notes));
  return file;
}
