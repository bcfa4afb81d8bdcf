#!/usr/bin/env bash
# Validates the monitoring assets: rule syntax, rule unit tests, example config, dashboard JSON.
# Needs promtool (Debian/Ubuntu: apt-get install prometheus) and node. Exits non-zero on any problem.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if ! command -v promtool >/dev/null 2>&1; then
  echo "check.sh: promtool not found (apt-get install prometheus, or put promtool on PATH)" >&2
  exit 2
fi

status=0
run() {
  echo "== $*"
  if ! "$@"; then status=1; fi
}

run promtool check rules alerts/prometheus-alerts.yml
run promtool test rules alerts/prometheus-alerts.test.yml
run promtool check config prometheus.yml

# The dashboard must parse, carry the panels it promises and query the datasource variable only.
echo "== dashboard grafana/sync-dashboard.json"
if ! node --input-type=module - grafana/sync-dashboard.json <<'JS'
import { readFileSync } from 'node:fs';
const file = process.argv[2];
const problems = [];
let dash;
try {
  dash = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.error(`${file}: not valid JSON: ${error.message}`);
  process.exit(1);
}
if (typeof dash.title !== 'string' || !dash.uid) problems.push('missing title or uid');
if (!(dash.schemaVersion >= 36)) problems.push(`schemaVersion ${dash.schemaVersion} is older than 36`);
const vars = (dash.templating?.list ?? []).map((v) => v.name);
for (const name of ['DS_PROMETHEUS', 'job', 'instance']) if (!vars.includes(name)) problems.push(`template variable ${name} missing`);
const panels = (dash.panels ?? []).filter((p) => p.type !== 'row');
if (panels.length === 0) problems.push('no panels');
const ids = new Set();
for (const p of dash.panels ?? []) {
  if (ids.has(p.id)) problems.push(`duplicate panel id ${p.id}`);
  ids.add(p.id);
}
for (const p of panels) {
  if (p.datasource?.uid !== '${DS_PROMETHEUS}') problems.push(`panel "${p.title}" does not use \${DS_PROMETHEUS}`);
  if (!p.targets?.length) problems.push(`panel "${p.title}" has no query`);
  for (const t of p.targets ?? []) if (!t.expr?.trim()) problems.push(`panel "${p.title}" query ${t.refId} is empty`);
  const g = p.gridPos ?? {};
  if (!(g.w > 0 && g.h > 0 && g.x >= 0 && g.x + g.w <= 24)) problems.push(`panel "${p.title}" has a bad gridPos`);
}
if (problems.length) {
  for (const problem of problems) console.error(`${file}: ${problem}`);
  process.exit(1);
}
console.log(`  SUCCESS: ${panels.length} panels`);
JS
then status=1; fi

exit "$status"
