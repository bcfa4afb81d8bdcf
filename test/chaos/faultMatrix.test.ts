/**
 * Every emulator fault knob alone, then in pairs (a fixed sample in CI, all of them with
 * ATOM_CHAOS_SCALE=full): the API stays up, health degrades and recovers, errors are counted,
 * nothing is lost. Writes the scenario → outcome table to test/artifacts/fault-matrix.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario, type Outcome } from './support/faultRun.js';
import { allPairs, CI_PAIRS, KNOBS, scenario, WS_AUTH_REFUSAL } from './support/faultScenarios.js';

const FULL = process.env.ATOM_CHAOS_SCALE === 'full';
const WINDOW_MS = FULL ? 6_000 : 2_000;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const outcomes: Outcome[] = [];

function table(rows: Outcome[]): string {
  const cols = ['scenario', 'live_probes', 'live_failures', 'live_max_ms', 'worst_health', 'expected_degrade', 'sync_errors', 'ws_reconnects', 'ratings_rejected', 'ratings', 'ratings_doubled', 'converged', 'recovered', 'seconds'] as const;
  const lines = [`| ${cols.join(' | ')} | verdict |`, `|${cols.map(() => '---').join('|')}|---|`];
  for (const r of rows) lines.push(`| ${cols.map((c) => String(r[c])).join(' | ')} | ${r.failures.length === 0 ? 'pass' : `FAIL: ${r.failures.join('; ')}`} |`);
  return lines.join('\n');
}

describe(`fault matrix (${FULL ? 'full: every pair' : 'CI: singles and a fixed sample of pairs'}, ${WINDOW_MS / 1000} s per fault)`, () => {
  afterAll(() => {
    if (outcomes.length === 0) return;
    const text = `# Fault matrix\n\n${new Date().toISOString()}, ${FULL ? 'full scale' : 'CI scale'}, ${WINDOW_MS / 1000} s under each fault.\n\n${table(outcomes)}\n`;
    const file = path.join(root, 'test/artifacts/fault-matrix.md');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    console.log(`\n${table(outcomes)}\n(written to ${path.relative(root, file)})`);
  });

  const scenarios = [...KNOBS.map((k) => scenario(k)), scenario(WS_AUTH_REFUSAL), ...(FULL ? allPairs() : CI_PAIRS)];
  for (const s of scenarios) {
    it(s.name, async () => {
      const outcome = await runScenario(s, WINDOW_MS);
      outcomes.push(outcome);
      expect(outcome.failures).toEqual([]);
    }, 90_000);
  }
});
