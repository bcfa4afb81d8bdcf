import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LeaderElection, type LeaderTimings } from '../../engine/leader/advisoryLock.js';

/** What a replica in another process reports, with wall-clock times comparable across processes. */
export type ReplicaLine = { kind: 'change'; role: 'leader' | 'standby'; reason: string; at: number } | { kind: 'sample'; leader: boolean; at: number };

export interface ReplicaProcess {
  readonly child: ChildProcess;
  readonly lines: ReplicaLine[];
  kill(): Promise<void>;
}

const self = fileURLToPath(import.meta.url);

/** A LeaderElection in its own process, so a test can freeze it (SIGSTOP) as a lost host would be. */
export function spawnReplica(url: string, instanceId: string, timings: Partial<LeaderTimings>): ReplicaProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', self, url, instanceId, JSON.stringify(timings)], {
    cwd: path.resolve(path.dirname(self), '../..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: ReplicaLine[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as ReplicaLine);
    } catch {
      /* not ours */
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    lines,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    },
  };
}

/** The child: reports every change and every flip of isLeader, sampled every 10 ms. */
async function main(url: string, instanceId: string, timings: Partial<LeaderTimings>): Promise<void> {
  const say = (line: ReplicaLine) => process.stdout.write(`${JSON.stringify(line)}\n`);
  const election = new LeaderElection({ instanceId, connectionString: url, timings });
  election.onChange((role, info) => say({ kind: 'change', role, reason: info.reason, at: Date.now() }));
  let last = false;
  // Bounded: a replica lives a minute at most, should its parent forget it.
  for (let i = 0; i < 6_000; i++) {
    if (i === 0) election.start();
    const now = election.isLeader;
    if (now !== last) say({ kind: 'sample', leader: now, at: Date.now() });
    last = now;
    await new Promise((r) => setTimeout(r, 10));
  }
  await election.stop();
}

if (process.argv[1] === self) {
  const [url, instanceId, timings] = process.argv.slice(2);
  void main(url!, instanceId!, JSON.parse(timings ?? '{}') as Partial<LeaderTimings>).then(() => process.exit(0));
}
