/**
 * Runs every bench in sequence, each printing its table and writing bench-results/<name>.json,
 * then writes bench-results/summary.md: every figure with its target and the machine (benches not
 * run this time keep their last figures, with the time they were measured).
 *   npm run bench [-- --quick] [-- --only <name>]
 */
import { parseArgs } from 'node:util';
import type { Row } from './support/report.js';
import { saveFigures, writeSummary, type Figure } from './support/summary.js';

interface Bench {
  name: string;
  run(opts: { quick: boolean }): Promise<Row[]>;
  figures(rows: Row[]): Figure[];
  /** Why it cannot run on this machine (it is skipped, its last figures kept), or null. */
  unavailable?(): Promise<string | null> | string | null;
}

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string', multiple: true } }, strict: true });
const quick = values.quick ?? false;
// fullSync.bench.ts reads its own flags when imported; it must not see ours.
process.argv = process.argv.slice(0, 2);

async function fullSyncBench(): Promise<Bench> {
  const full = await import('./fullSync.bench.js');
  const name = 'full-sync';
  return {
    name,
    run: (o) => full.run(o.quick ? 10_000 : 100_000),
    figures: (rows) =>
      rows.flatMap((r) => [
        { bench: name, figure: `batch ${r.batch}: skills/s (${Number(r.skills).toLocaleString('en-US')} skills)`, value: r.engine_skills_per_s as number, unit: '/s', target: '', met: null },
        { bench: name, figure: `batch ${r.batch}: pipelined raw baseline skills/s`, value: r.baseline_skills_per_s as number, unit: '/s', target: '', met: null },
        { bench: name, figure: `batch ${r.batch}: engine ÷ pipelined baseline`, value: r.ratio as number, unit: '×', target: `≥ ${full.RATIO_TARGET}×`, met: (r.ratio as number) >= full.RATIO_TARGET },
        { bench: name, figure: `batch ${r.batch}: peak RSS`, value: r.engine_peak_rss_mb as number, unit: 'MB', target: `< ${full.RSS_TARGET_MB} MB`, met: (r.engine_peak_rss_mb as number) < full.RSS_TARGET_MB },
      ]),
  };
}

const benches: Bench[] = [
  await fullSyncBench(),
  await import('./pgFullSync.bench.js'),
  await import('./incrementalSync.bench.js'),
  await import('./wsLatency.bench.js'),
  await import('./ratingsUpload.bench.js'),
  await import('./httpLoad.bench.js'),
  await import('./probeLatency.bench.js'),
  await import('./startup.bench.js'),
];

const only = values.only ?? [];
const unknown = only.filter((n) => !benches.some((b) => b.name === n));
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(', ')}; choose from ${benches.map((b) => b.name).join(', ')}`);
  process.exit(2);
}

const started = performance.now();
const failed: string[] = [];
for (const bench of benches.filter((b) => only.length === 0 || only.includes(b.name))) {
  const t0 = performance.now();
  console.log(`\n== ${bench.name}${quick ? ' (quick)' : ''}`);
  const why = (await bench.unavailable?.()) ?? null;
  if (why) {
    console.log(`   skipped: ${why}`);
    continue;
  }
  try {
    saveFigures(bench.name, bench.figures(await bench.run({ quick })), quick);
    console.log(`   ${bench.name} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (error) {
    failed.push(bench.name);
    console.error(`${bench.name} failed: ${(error as Error).stack ?? error}`);
  }
}
const { file, figures } = writeSummary(benches.map((b) => b.name), failed);
const missed = figures.filter((f) => f.met === false);
console.log(`\nsummary: ${file} (${figures.length} figures, ${missed.length} targets missed${failed.length ? `, ${failed.length} benches failed` : ''}; this run ${Math.round((performance.now() - started) / 1000)} s)`);
process.exit(failed.length > 0 ? 1 : 0);
