/**
 * Standalone emulator: `npm run emulator -- --port 9100 --skills 5000 [--categories 20 --seed 1
 * --token T --host 127.0.0.1 --ratings-per-skill 2]`. Stops on SIGINT/SIGTERM.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { EmulatorInputError, startEmulator, type EmulatorOptions } from './index.js';

const USAGE = 'usage: emulator [--port N] [--host H] [--skills N] [--categories N] [--seed N] [--token T] [--ratings-per-skill N]';

function integer(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new Error(`--${name} must be a non-negative integer (got "${raw}")`);
  return Number(raw);
}

export function parseCli(argv: string[]): EmulatorOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      skills: { type: 'string' },
      categories: { type: 'string' },
      seed: { type: 'string' },
      token: { type: 'string' },
      'ratings-per-skill': { type: 'string' },
    },
  });
  return {
    port: integer('port', values.port) ?? 9100,
    host: values.host,
    skills: integer('skills', values.skills),
    categories: integer('categories', values.categories),
    seed: integer('seed', values.seed),
    token: values.token,
    ratingsPerSkill: integer('ratings-per-skill', values['ratings-per-skill']),
  };
}

async function main(): Promise<void> {
  let options: EmulatorOptions;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`emulator: ${(err as Error).message} (${USAGE})\n`);
    process.exit(2);
  }
  let emulator;
  try {
    emulator = await startEmulator(options);
  } catch (err) {
    // Out-of-range values are bad arguments too (exit 2); anything else (port in use) is 1.
    const badArgs = err instanceof EmulatorInputError;
    process.stderr.write(`emulator: ${badArgs ? '' : 'cannot start: '}${(err as Error).message}\n`);
    process.exit(badArgs ? 2 : 1);
  }
  process.stdout.write(
    `Atom SaaS emulator: api ${emulator.apiUrl} ws ${emulator.wsUrl} control ${emulator.baseUrl}/__emulator (${emulator.skillCount()} skills)\n`,
  );
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// Run only when executed, so tests can import parseCli.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
