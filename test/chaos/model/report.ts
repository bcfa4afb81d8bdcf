/** How a failing sequence and a whole run are told: one replay command, the problems, the operation log, one summary line. */
import type { SequenceResult } from './sequenceRunner.js';

export const TEST_FILE = 'test/chaos/modelBased.test.ts';

export function replayCommand(seed: number): string {
  return `ATOM_MODEL_SEED=${seed} npx vitest run ${TEST_FILE}`;
}

export function failureReport(r: SequenceResult): string {
  const c = r.config;
  const lines = [
    `model-based sequence seed ${c.seed} ${r.problems.length > 0 ? `FAILED: ${r.problems.length} problem(s)` : 'passed'} in ${(r.durationMs / 1000).toFixed(1)} s`,
    `  replay: ${replayCommand(c.seed)}`,
    `  setup: ${c.skills} skills (last ${c.rated} rated), batch ${c.batchSize}, rating batch ${c.ratingBatchSize}, conflict strategy ${c.strategy}, daemon via ${r.launch}`,
    ...(r.keptDir ? [`  kept: ${r.keptDir} (atom_dev.db, logs/atom.log)`] : []),
    ...r.problems.map((p) => `  [${p.invariant}] ${p.text}`),
    '  operations:',
    ...r.log.map((l) => `    ${l}`),
  ];
  const tail = r.daemonTail.split('\n').filter((l) => / (WARN|ERROR) /.test(l)).slice(-12);
  if (tail.length > 0) lines.push('  daemon warnings and errors (last 12):', ...tail.map((l) => `    ${l.slice(0, 300)}`));
  return lines.join('\n');
}

export function summaryLine(results: readonly SequenceResult[], seconds: number): string {
  const sum = (f: (r: SequenceResult) => number) => results.reduce((n, r) => n + f(r), 0);
  const failed = results.filter((r) => r.problems.length > 0).length;
  return (
    `model-based: ${results.length} sequences (${failed} failed), ${sum((r) => r.stats.ops)} operations, ${sum((r) => r.stats.kills)} kills (${sum((r) => r.stats.midOperation)} mid-operation), ` +
    `${sum((r) => r.stats.ratings)} ratings, ${sum((r) => r.stats.resolved)} conflicts resolved, ${sum((r) => r.stats.checks)} checks run, ${seconds.toFixed(1)} s`
  );
}

/** One line per failing seed for the assertion message: the invariants it broke and its first problem. */
export function failureDigest(r: SequenceResult): string {
  const kinds = [...new Set(r.problems.map((p) => p.invariant))].join('+');
  return `seed ${r.config.seed} [${kinds}] ${r.problems[0]?.text ?? ''}`;
}
