/**
 * Incremental sync with 0, 10 and 1,000 remote changes on a cache of 10,000 and of 100,000
 * skills: wall time and requests made. Targets: no change < 100 ms; the cost follows the
 * number of changes, not the size of the catalogue.
 */
import { startBenchEngine, median, round, syncOrThrow } from './support/benchEngine.js';
import { startEmulatorProcess } from './support/emulatorProcess.js';
import { freePort } from '../support/freePort.js';
import { printTable, writeJson, type Row } from './support/report.js';
import type { Figure } from './support/summary.js';

export const name = 'incremental-sync';
const CHANGES = [0, 10, 1000] as const;

export async function run(opts: { quick: boolean }): Promise<Row[]> {
  const sizes = opts.quick ? [2_000, 10_000] : [10_000, 100_000];
  const reps = opts.quick ? 3 : 5;
  const rows: Row[] = [];
  for (const size of sizes) {
    const emulator = await startEmulatorProcess(size, await freePort());
    const bench = await startBenchEngine(emulator.apiUrl).catch(async (error) => {
      await emulator.stop();
      throw error;
    });
    try {
      const { engine } = bench;
      await syncOrThrow(engine, 'full');
      await syncOrThrow(engine, 'incremental'); // warm: statements prepared, pages cached by the OS
      for (const changes of CHANGES) {
        const ms: number[] = [];
        const requests: number[] = [];
        const items: number[] = [];
        for (let r = 0; r < reps; r++) {
          if (changes > 0) {
            await emulator.control('mutate', { update: changes, push: false });
            // the emulator rebuilds its change index (O(catalogue)) on the first request after a
            // mutation; pay that outside the timing, which is the engine's
            await fetch(`${emulator.apiUrl}/skills/marketplace/categories`).then((r) => r.arrayBuffer());
          }
          const before = (await emulator.stats()).requests;
          const t0 = performance.now();
          const runRow = await syncOrThrow(engine, 'incremental');
          ms.push(performance.now() - t0);
          requests.push((await emulator.stats()).requests - before);
          // pages overlap by a row (keyset paging re-reads the boundary), so items may exceed changes slightly
          if (runRow.items < changes) throw new Error(`incremental run saw ${runRow.items} items, expected ${changes}`);
          items.push(runRow.items);
        }
        rows.push({
          cache: size,
          changes,
          median_ms: round(median(ms)),
          min_ms: round(Math.min(...ms)),
          max_ms: round(Math.max(...ms)),
          requests: median(requests),
          items_applied: median(items),
          target_met: changes === 0 ? median(ms) < 100 : null,
        });
      }
    } finally {
      await bench.close();
      await emulator.stop();
    }
  }
  printTable(`Incremental sync, median of ${reps} runs (targets: 0 changes < 100 ms; cost grows with changes, not catalogue size)`, rows);
  writeJson(name, rows, { reps, batch_size: 100 });
  return rows;
}

export function figures(rows: Row[]): Figure[] {
  const out: Figure[] = [];
  const sizes = [...new Set(rows.map((r) => r.cache as number))].sort((a, b) => a - b);
  for (const r of rows) {
    out.push({
      bench: name,
      figure: `${r.changes} changes, cache ${Number(r.cache).toLocaleString('en-US')} (${r.requests} requests)`,
      value: r.median_ms as number,
      unit: 'ms',
      target: r.changes === 0 ? '< 100 ms' : '',
      met: r.changes === 0 ? (r.median_ms as number) < 100 : null,
    });
  }
  const [small, large] = [sizes[0], sizes[sizes.length - 1]];
  for (const changes of CHANGES) {
    const a = rows.find((r) => r.cache === small && r.changes === changes);
    const b = rows.find((r) => r.cache === large && r.changes === changes);
    if (!a || !b || small === large) continue;
    const ratio = (b.median_ms as number) / (a.median_ms as number);
    out.push({
      bench: name,
      figure: `${changes} changes: time at ${large!.toLocaleString('en-US')} ÷ at ${small!.toLocaleString('en-US')} skills`,
      value: round(ratio, 2),
      unit: '×',
      target: '≤ 2× and same requests (flat in catalogue size)',
      met: ratio <= 2 && a.requests === b.requests,
    });
  }
  return out;
}
