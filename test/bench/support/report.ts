import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Row = Record<string, string | number | boolean | null>;

/** Prints rows as an aligned table. */
export function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  if (rows.length === 0) return;
  const keys = Object.keys(rows[0]!);
  const cell = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v));
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r[k]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  console.log(line(keys));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(keys.map((k) => cell(r[k]))));
}

/** What a full-sync worker reports of one listing. */
export interface ListingRun {
  ms: number;
  skills: number;
  peak_rss_mb: number;
  idle_rss_mb: number;
}

/** The figures every full-sync bench gives for one batch size: rates against both raw baselines, and memory. */
export function listingRates(engine: ListingRun, baseline: ListingRun, sequential: ListingRun) {
  const engineRate = engine.skills / (engine.ms / 1000);
  const baseRate = baseline.skills / (baseline.ms / 1000);
  return {
    engine_skills_per_s: Math.round(engineRate),
    baseline_skills_per_s: Math.round(baseRate),
    sequential_baseline_skills_per_s: Math.round(sequential.skills / (sequential.ms / 1000)),
    ratio: engineRate / baseRate,
    engine_peak_rss_mb: engine.peak_rss_mb,
    engine_rss_before_mb: engine.idle_rss_mb,
    baseline_peak_rss_mb: baseline.peak_rss_mb,
  };
}

export function machine() {
  return { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };
}

/** Writes `bench-results/<name>.json` with the machine it ran on. */
export function writeJson(name: string, rows: Row[], extra: Record<string, unknown> = {}): string {
  const dir = path.resolve('bench-results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, at: new Date().toISOString(), machine: machine(), rows, ...extra }, null, 2));
  return file;
}

/** Samples RSS every 10 ms until stopped; returns the peak in MB. */
export function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      return Math.round(peak / 2 ** 20);
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
