import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/** A script run in another process: takes the write lock and holds it (the local Atom app mid-transaction). */
const SCRIPT = `
const Database = require(process.argv[1]);
const db = new Database(process.argv[2], { timeout: 10000 });
db.exec('BEGIN IMMEDIATE');
db.prepare("UPDATE sync_state SET updated_at = updated_at").run();
process.stdout.write('locked\\n');
setTimeout(() => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); process.exit(0); }, Number(process.argv[3]));
`;

export interface HeldLock {
  /** Resolves when the other process has committed and exited. */
  released: Promise<void>;
  kill(): void;
}

/** Another OS process holds a write lock on `file` for `ms`; resolves once the lock is taken. */
export async function holdWriteLock(file: string, ms: number): Promise<HeldLock> {
  const child = spawn(process.execPath, ['-e', SCRIPT, driver, file, String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lock holder exited (${code}) before taking the lock`)));
  });
  await locked;
  const released = once(child, 'exit').then(() => undefined);
  return { released, kill: () => child.kill('SIGKILL') };
}
