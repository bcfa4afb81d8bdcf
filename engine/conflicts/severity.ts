import type { Severity } from '../contracts/localHttpApi.js';

const RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** What runs on the user's machine is critical; what changes its dependencies is high. */
const FIELD_SEVERITY: Readonly<Record<string, Severity>> = {
  code: 'critical',
  command: 'critical',
  local_files: 'critical',
  version: 'high',
  python_packages: 'high',
  npm_packages: 'high',
  parameters: 'medium',
  metadata: 'medium',
  env_vars: 'medium',
};

export function fieldSeverity(field: string): Severity {
  return FIELD_SEVERITY[field] ?? 'low';
}

/** The highest severity among the fields, never below `floor`. */
export function highestSeverity(fields: Iterable<string>, floor: Severity = 'low'): Severity {
  let best = floor;
  for (const field of fields) {
    const severity = fieldSeverity(field);
    if (RANK[severity] > RANK[best]) best = severity;
  }
  return best;
}

