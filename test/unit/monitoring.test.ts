import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { exposedSeries, loadMetricCatalog, metricNamesIn, queryableSeries } from '../../monitoring/metricCatalog.js';
import { tempDir } from '../support/tempDir.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const monitoring = path.join(root, 'monitoring');
const rulesFile = path.join(monitoring, 'alerts/prometheus-alerts.yml');
const dashboardFile = path.join(monitoring, 'grafana/sync-dashboard.json');

// js-yaml ships with the build tooling (electron-builder); it has no bundled types.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

const RUNBOOK_BASE = 'https://github.com/atom-sync/atom-sync/blob/main/docs/runbook.md';
const RUNBOOK_ANCHORS = [
  'runbook-sync-stale',
  'runbook-websocket-disconnected',
  'runbook-high-error-rate',
  'runbook-unresolved-conflicts',
  'issue-5-ratings-not-syncing',
  'issue-1-sync-not-running',
];
const EXPECTED_ALERTS: Record<string, { severity: 'warning' | 'critical'; anchor: string }> = {
  SyncStale: { severity: 'warning', anchor: 'runbook-sync-stale' },
  SyncVeryStale: { severity: 'critical', anchor: 'runbook-sync-stale' },
  WebSocketDisconnected: { severity: 'warning', anchor: 'runbook-websocket-disconnected' },
  WebSocketDisconnectedCritical: { severity: 'critical', anchor: 'runbook-websocket-disconnected' },
  HighSyncErrorRate: { severity: 'warning', anchor: 'runbook-high-error-rate' },
  VeryHighSyncErrorRate: { severity: 'critical', anchor: 'runbook-high-error-rate' },
  UnresolvedConflictsHigh: { severity: 'warning', anchor: 'runbook-unresolved-conflicts' },
  UnresolvedConflictsCritical: { severity: 'critical', anchor: 'runbook-unresolved-conflicts' },
  RatingUploadsFailing: { severity: 'warning', anchor: 'issue-5-ratings-not-syncing' },
  RatingUploadsBacklog: { severity: 'warning', anchor: 'issue-5-ratings-not-syncing' },
  SyncTargetDown: { severity: 'critical', anchor: 'issue-1-sync-not-running' },
  SyncNoLeader: { severity: 'critical', anchor: 'issue-1-sync-not-running' },
  SyncSeveralLeaders: { severity: 'critical', anchor: 'issue-1-sync-not-running' },
};

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Panel {
  type: string;
  title: string;
  targets?: { expr: string; refId: string }[];
}

function loadRules(): Rule[] {
  const doc = yaml.load(readFileSync(rulesFile, 'utf8')) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

function loadDashboard(): { panels: Panel[]; templating: { list: { name: string; type: string; definition?: string }[] } } {
  return JSON.parse(readFileSync(dashboardFile, 'utf8'));
}

function promtoolPresent(): boolean {
  return spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
}
// Without promtool the checks are skipped locally; CI installs it and must run them.
const hasPromtool = promtoolPresent();
if (!hasPromtool && !process.env.CI) console.warn('monitoring.test: promtool not found (apt-get install prometheus); skipping promtool checks');
const itPromtool = hasPromtool || process.env.CI ? it : it.skip;

function promtool(args: string[], cwd = monitoring): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw new Error(`promtool could not run (apt-get install prometheus): ${result.error.message}`);
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function githubAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of markdown.split('\n')) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) anchors.add(heading[1]!.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-'));
  }
  return anchors;
}

describe('alert rules under promtool', () => {
  itPromtool('pass promtool check rules', () => {
    const { status, output } = promtool(['check', 'rules', rulesFile]);
    expect(output).toContain(`SUCCESS: ${Object.keys(EXPECTED_ALERTS).length} rules found`);
    expect(status).toBe(0);
  });

  itPromtool('pass their promtool unit tests', () => {
    const { status, output } = promtool(['test', 'rules', 'alerts/prometheus-alerts.test.yml']);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  itPromtool('ship a valid example scrape config that loads the rules', () => {
    const { status, output } = promtool(['check', 'config', 'prometheus.yml']);
    expect(output).toContain('SUCCESS: 1 rule files found');
    expect(status).toBe(0);
    const config = yaml.load(readFileSync(path.join(monitoring, 'prometheus.yml'), 'utf8')) as {
      global: { scrape_interval: string };
      scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[];
    };
    expect(config.global.scrape_interval).toBe('15s');
    expect(config.scrape_configs[0]).toMatchObject({ job_name: 'atom-sync', metrics_path: '/metrics/sync', static_configs: [{ targets: ['127.0.0.1:8000'] }] });
  });

  it('have unit tests for every alert, firing and quiet', () => {
    const doc = yaml.load(readFileSync(path.join(monitoring, 'alerts/prometheus-alerts.test.yml'), 'utf8')) as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const cases = doc.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const name of Object.keys(EXPECTED_ALERTS)) {
      const mine = cases.filter((c) => c.alertname === name);
      expect(mine.some((c) => c.exp_alerts.length > 0), `${name} fires in a test`).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0), `${name} stays quiet in a test`).toBe(true);
    }
  });
});

describe('alert rules', () => {
  const rules = loadRules();
  const alerts = new Map(rules.filter((r) => r.alert).map((r) => [r.alert!, r]));

  it('define exactly the documented alerts with their severities', () => {
    expect([...alerts.keys()].sort()).toEqual(Object.keys(EXPECTED_ALERTS).sort());
    for (const [name, expected] of Object.entries(EXPECTED_ALERTS)) {
      expect(alerts.get(name)!.labels?.severity, name).toBe(expected.severity);
    }
  });

  it('carry a summary, a description naming the instance and a runbook link to the right section', () => {
    for (const [name, rule] of alerts) {
      const a = rule.annotations ?? {};
      expect(a.summary, name).toBeTruthy();
      expect(a.description, name).toContain('{{ $labels.instance }}');
      expect(a.runbook, name).toBe(`${RUNBOOK_BASE}#${EXPECTED_ALERTS[name]!.anchor}`);
    }
    // Where the value means something (an age, a ratio, a count) the description shows it.
    // (Not for on/off states: a socket down, a target down, a replica's role.)
    const onOff = new Set(['SyncTargetDown', 'SyncNoLeader', 'SyncSeveralLeaders']);
    for (const name of Object.keys(EXPECTED_ALERTS).filter((n) => !n.startsWith('WebSocket') && !onOff.has(n))) {
      expect(alerts.get(name)!.annotations!.description, name).toContain('$value');
    }
  });

  it('follow the runbook thresholds', () => {
    expect(alerts.get('SyncStale')!.for).toBe('5m');
    expect(alerts.get('SyncVeryStale')!.expr).toContain('3600');
    expect(alerts.get('WebSocketDisconnected')!.for).toBe('5m');
    expect(alerts.get('WebSocketDisconnectedCritical')!.for).toBe('30m');
    expect(alerts.get('HighSyncErrorRate')!.expr).toMatch(/> 0\.10\s*$/);
    expect(alerts.get('VeryHighSyncErrorRate')!.expr).toMatch(/> 0\.50\s*$/);
    expect(alerts.get('UnresolvedConflictsHigh')!.expr).toMatch(/>= 100$/);
    expect(alerts.get('UnresolvedConflictsCritical')!.expr).toMatch(/>= 500$/);
    expect(alerts.get('RatingUploadsBacklog')!.for).toBe('2h');
  });

  it('query only the series the app exposes', () => {
    const allowed = queryableSeries(loadMetricCatalog());
    for (const rule of rules) {
      const names = metricNamesIn(rule.expr);
      expect(names.size, `${rule.alert} queries a metric`).toBeGreaterThan(0);
      for (const name of names) expect(allowed.has(name), `${rule.alert} queries ${name}`).toBe(true);
    }
  });

  const runbook = path.join(root, 'docs/runbook.md');
  it.runIf(existsSync(runbook))('link to sections that exist in docs/runbook.md', () => {
    const anchors = githubAnchors(readFileSync(runbook, 'utf8'));
    for (const anchor of RUNBOOK_ANCHORS) expect(anchors.has(anchor), anchor).toBe(true);
  });
});

describe('Grafana dashboard', () => {
  const dashboard = loadDashboard();
  const panels = dashboard.panels.filter((p) => p.type !== 'row');
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${p.title} ${t.refId}`, expr: t.expr })));
  const variables = dashboard.templating.list;

  it('has a datasource variable and job/instance variables built from exposed series', () => {
    expect(variables.find((v) => v.name === 'DS_PROMETHEUS')?.type).toBe('datasource');
    const allowed = queryableSeries(loadMetricCatalog());
    for (const name of ['job', 'instance']) {
      const variable = variables.find((v) => v.name === name);
      expect(variable?.type, name).toBe('query');
      const inner = /label_values\((.*),\s*\w+\)$/.exec(variable!.definition ?? '');
      expect(inner, name).not.toBeNull();
      for (const metric of metricNamesIn(inner![1]!)) expect(allowed.has(metric), `${name} uses ${metric}`).toBe(true);
    }
  });

  it('queries only exposed series, filtered by job and instance', () => {
    const allowed = queryableSeries(loadMetricCatalog());
    expect(exprs.length).toBeGreaterThan(20);
    for (const { where, expr } of exprs) {
      const names = metricNamesIn(expr);
      expect(names.size, `${where} queries a metric`).toBeGreaterThan(0);
      for (const name of names) expect(allowed.has(name), `${where} queries ${name}`).toBe(true);
      expect(expr, where).toContain('instance=~"$instance"');
    }
  });

  it('shows every exposed metric and the duration quantiles', () => {
    const catalog = loadMetricCatalog();
    const used = new Set(exprs.flatMap(({ expr }) => [...metricNamesIn(expr)]));
    for (const name of Object.keys(catalog.metrics)) {
      const series = catalog.metrics[name]!.type === 'histogram' ? `${name}_bucket` : name;
      expect(used.has(series), `dashboard shows ${name}`).toBe(true);
    }
    for (const q of ['0.50', '0.95', '0.99']) {
      expect(exprs.some(({ expr }) => expr.startsWith(`histogram_quantile(${q}, sum by (le) (rate(sync_duration_seconds_bucket`))).toBe(true);
    }
  });
});

describe('PromQL metric name extraction', () => {
  it('finds metric names and ignores functions, labels, ranges, grouping and variables', () => {
    const expr = `histogram_quantile(0.95, sum by (le, mode) (rate(sync_duration_seconds_bucket{job=~"$job", result="success"}[$__rate_interval])))
      / on (instance) group_left (mode) max without (severity) (conflicts_unresolved offset 1h) > bool 2e3 and time() - up`;
    expect([...metricNamesIn(expr)].sort()).toEqual(['conflicts_unresolved', 'sync_duration_seconds_bucket', 'up']);
    expect([...metricNamesIn('label_replace(rating_sync_pending, "dst", "$1", "src", "(.*)")')]).toEqual(['rating_sync_pending']);
  });

  it('flags a name the app does not expose', () => {
    const allowed = queryableSeries(loadMetricCatalog());
    const unknown = [...metricNamesIn('rate(sync_failures_total[5m]) + sync_runs_total')].filter((n) => !allowed.has(n));
    expect(unknown).toEqual(['sync_failures_total']);
  });

  it('expands histograms into their three series', () => {
    const series = exposedSeries(loadMetricCatalog());
    expect(series.has('sync_duration_seconds_bucket') && series.has('sync_duration_seconds_count')).toBe(true);
    expect(series.has('sync_duration_seconds')).toBe(false);
  });
});

describe('monitoring/check.sh', () => {
  const tmp = tempDir('atom-sync-monitoring-');
  afterAll(() => tmp.cleanup());

  itPromtool('passes on the shipped files and fails on a broken dashboard', () => {
    const ok = spawnSync('bash', [path.join(monitoring, 'check.sh')], { encoding: 'utf8', timeout: 30_000 });
    expect(ok.stdout).toContain('SUCCESS');
    expect(ok.status).toBe(0);

    cpSync(monitoring, tmp.dir, { recursive: true });
    writeFileSync(path.join(tmp.dir, 'grafana/sync-dashboard.json'), '{"title": "Atom Sync", "panels": [');
    const broken = spawnSync('bash', [path.join(tmp.dir, 'check.sh')], { encoding: 'utf8', timeout: 30_000 });
    expect(broken.stderr).toContain('not valid JSON');
    expect(broken.status).not.toBe(0);
  });

  it('is executable', () => {
    expect(statSync(path.join(monitoring, 'check.sh')).mode & 0o111).not.toBe(0);
  });
});
