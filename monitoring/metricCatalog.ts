/**
 * Reads monitoring/metricNames.json (the exposed series) and finds the metric names a PromQL
 * expression refers to, so rules and panels can be checked against what the app serves.
 */
import { readFileSync } from 'node:fs';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  type: MetricType;
  /** Label name to the values it may take. */
  labels: Record<string, string[]>;
}

export interface MetricCatalog {
  metrics: Record<string, MetricSpec>;
  /** Prefixes of prom-client's default process metrics. */
  defaultMetricPrefixes: string[];
  /** Default metrics the rules and dashboard query (must exist in a live scrape). */
  defaultMetricsUsed: string[];
  /** Series Prometheus itself records for every target. */
  scrapeSeries: string[];
}

export const METRIC_NAMES_FILE = new URL('./metricNames.json', import.meta.url);

export function loadMetricCatalog(file: URL | string = METRIC_NAMES_FILE): MetricCatalog {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<MetricCatalog>;
  if (!parsed.metrics || !parsed.defaultMetricPrefixes || !parsed.defaultMetricsUsed || !parsed.scrapeSeries) {
    throw new Error(`${String(file)}: expected metrics, defaultMetricPrefixes, defaultMetricsUsed and scrapeSeries`);
  }
  return parsed as MetricCatalog;
}

/** The series names a metric appears under in the exposition (a histogram has three). */
export function seriesOf(name: string, spec: MetricSpec): string[] {
  return spec.type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
}

/** Every series name the app exposes by contract (default process metrics excluded). */
export function exposedSeries(catalog: MetricCatalog): Set<string> {
  return new Set(Object.entries(catalog.metrics).flatMap(([name, spec]) => seriesOf(name, spec)));
}

/** Names a rule or panel may query: exposed series, the default metrics used, Prometheus's own. */
export function queryableSeries(catalog: MetricCatalog): Set<string> {
  return new Set([...exposedSeries(catalog), ...catalog.defaultMetricsUsed, ...catalog.scrapeSeries]);
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan', 'atan2']);

/**
 * Metric names in a PromQL expression (Grafana `$variables` allowed). Strings, label matchers,
 * ranges and grouping clauses are removed first; what is left that is an identifier and not a
 * function call or keyword is a metric name.
 */
export function metricNamesIn(expr: string): Set<string> {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/#[^\n]*/g, ' ')
    .replace(/\{[^{}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w$.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:]|\s*\()/g)) {
    const name = match[1]!;
    if (!KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return names;
}
