/**
 * The operators' runbook (docs/runbook.md), walked against the real engine in demo mode: every
 * `curl` aimed at localhost:8000 runs verbatim through bash (only the port changes when 8000 is
 * taken, and {id}/{conflict_id} become real ids), and so do its sqlite3 and log greps.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config/index.js';
import { createEngine, type EngineInternals } from '../../engine/index.js';
import { createLogger } from '../../engine/log/index.js';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { tempDir } from '../support/tempDir.js';

const RUNBOOK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/runbook.md');
const SKILLS = 120;

interface Shell {
  code: number;
  stdout: string;
  stderr: string;
}

/** Every runbook command line that talks to the local API, the local DB or the local log. */
function runbookCommands(text: string): string[] {
  const found = new Set<string>();
  // Code blocks: join `\` continuations, keep command lines.
  for (const block of text.matchAll(/```bash\n([\s\S]*?)```/g)) {
    const joined = block[1]!.replace(/\\\n\s*/g, '');
    for (const raw of joined.split('\n')) {
      const line = raw.trim();
      if (line && !line.startsWith('#')) found.add(line);
    }
  }
  // Inline: `curl ...` in the prose (resolution steps, runbook lists).
  for (const inline of text.matchAll(/`(curl [^`]+|grep [^`]+|sqlite3 [^`]+)`/g)) found.add(inline[1]!.trim());
  return [...found].filter((cmd) => /localhost:8000|logs\/atom\.log|^sqlite3 atom_dev\.db|^cp atom_dev\.db/.test(cmd));
}

let port = 8000;
let engine: EngineInternals<EmulatorHandle>;
const dir = tempDir('atom-runbook-');
let commands: string[] = [];

/** The demo-mode remote the engine started (faults and mutations for the procedures). */
const emulator = (): EmulatorHandle => engine.emulator!;

function sh(cmd: string, timeoutMs = 15_000): Promise<Shell> {
  const local = cmd.replaceAll('localhost:8000', `localhost:${port}`);
  return new Promise((resolve) => {
    execFile('bash', ['-c', local], { cwd: dir.dir, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The runbook's own command matching `pattern` (so the test breaks if the runbook changes). */
function command(pattern: RegExp): string {
  const match = commands.find((c) => pattern.test(c));
  if (!match) throw new Error(`the runbook has no command matching ${pattern}`);
  return match;
}

async function json(cmd: string): Promise<Record<string, unknown>> {
  const out = await sh(cmd);
  expect(out.code, `${cmd}: ${out.stderr}`).toBe(0);
  return JSON.parse(out.stdout) as Record<string, unknown>;
}

/** Same command with `-s -w` to see the status code too. */
async function withStatus(cmd: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const out = await sh(cmd.replace(/^curl /, `curl -s -o - -w '\\n%{http_code}' `));
  const lines = out.stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  return { status, body: JSON.parse(lines.join('\n') || '{}') as Record<string, unknown> };
}

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number, label: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`${label}: not reached in ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
    last = await probe();
  }
  return last;
}

function portFree(candidate: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(candidate, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1', () => {
      const chosen = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(chosen));
    });
  });
}

async function startEngine(): Promise<EngineInternals<EmulatorHandle>> {
  const first = await startEngineOn(port);
  if (first.url !== null) return first;
  // Port 8000 was taken between the check and the bind: another free port, same commands.
  await first.stop();
  port = await freePort();
  return startEngineOn(port);
}

async function startEngineOn(listenPort: number): Promise<EngineInternals<EmulatorHandle>> {
  const config = loadConfig(
    {
      ATOM_SYNC_PORT: String(listenPort),
      ATOM_DB_PATH: dir.file('atom_dev.db'),
      ATOM_LOG_PATH: dir.file('logs/atom.log'),
      ATOM_DEMO_SKILLS: String(SKILLS),
      ATOM_SAAS_RATING_MAX_ATTEMPTS: '1',
    },
    dir.dir,
  );
  const logger = createLogger({ logPath: config.logPath, level: 'info', stderr: false }, 'engine');
  const started = await createEngine(config, { logger, staticDir: null, demoRemote: startEmulator });
  await started.start();
  return started;
}

beforeAll(async () => {
  commands = runbookCommands(readFileSync(RUNBOOK, 'utf8'));
  port = (await portFree(8000)) ? 8000 : await freePort();
  engine = await startEngine();
  expect(engine.url).toBe(`http://127.0.0.1:${port}`);
  await until(() => json('curl -s http://localhost:8000/api/admin/sync/status'), (s) => s.last_sync !== null && s.status === 'idle', 30_000, 'first sync');
}, 60_000);

afterAll(async () => {
  await engine?.stop();
  dir.cleanup();
});

describe('runbook: diagnosis commands', () => {
  it('finds the commands it is about to run', () => {
    expect(commands.filter((c) => c.startsWith('curl')).length).toBeGreaterThanOrEqual(15);
    expect(commands).toContain('curl http://localhost:8000/health/sync');
  });

  it('Step 1: health answers the documented shape', async () => {
    const health = await json(command(/^curl http:\/\/localhost:8000\/health\/sync$/));
    expect(health).toMatchObject({ status: 'healthy', websocket_connected: true, scheduler_running: true, recent_errors: 0 });
    expect(health.sync_age_minutes).toBeLessThan(30);
    const health2 = await sh(command(/health\/sync \| jq \.$/));
    expect(health2.code).toBe(0);
    expect(JSON.parse(health2.stdout).checks.last_sync.healthy).toBe(true);
  });

  it('Step 2: status shows a populated cache', async () => {
    const status = await json(command(/^curl http:\/\/localhost:8000\/api\/admin\/sync\/status$/));
    expect(status).toMatchObject({ status: 'idle', skills_cached: SKILLS, last_error: null, demo_mode: true });
    expect(status.categories_cached).toBeGreaterThan(0);
  });

  it('every GET curl of the runbook answers JSON or metrics, never an error', async () => {
    const gets = commands.filter((c) => c.startsWith('curl') && !c.includes('-X POST') && !/\{(id|conflict_id)\}/.test(c));
    expect(gets.length).toBeGreaterThanOrEqual(12);
    for (const cmd of gets) {
      const out = await sh(cmd);
      expect(out.code, `${cmd}: ${out.stderr}`).toBe(0);
      if (cmd.includes('/metrics/sync')) {
        const target = /grep (?:-E )?"?([^"]+?)"?$/.exec(cmd)?.[1];
        expect(out.stdout.length, cmd).toBeGreaterThan(0);
        if (target && !target.includes('(')) expect(out.stdout, cmd).toContain(target);
      } else {
        const body = JSON.parse(out.stdout) as Record<string, unknown>;
        expect(body.error, `${cmd}: ${out.stdout}`).toBeUndefined();
      }
    }
  });

  it('metrics greps find their series', async () => {
    for (const [pattern, series] of [
      [/grep websocket_reconnects_total$/, 'websocket_reconnects_total'],
      [/grep sync_errors_total$/, 'sync_errors_total'],
      [/grep sync_skills_cached$/, `sync_skills_cached ${SKILLS}`],
      [/grep rating_sync$/, 'rating_sync_pending'],
      [/grep conflicts$/, 'conflicts_unresolved'],
      [/sync_duration\|sync_errors\|websocket_connected/, 'websocket_connected 1'],
    ] as const) {
      const out = await sh(command(pattern));
      expect(out.code).toBe(0);
      expect(out.stdout).toContain(series);
    }
  });

  it('the sqlite3 queries run on the live database', async () => {
    const count = await sh(command(/^sqlite3 atom_dev\.db "SELECT COUNT\(\*\) FROM community_skills;"$/));
    expect(count.stdout.trim()).toBe(String(SKILLS));
    const state = await sh(command(/sync_state ORDER BY last_sync DESC LIMIT 1/));
    expect(state.code).toBe(0);
    expect(state.stdout).toMatch(/\d{4}-\d\d-\d\dT/);
  });

  // `tail -f` never ends by itself: it must still be following when a one-second timeout stops it.
  it('every log command runs (tail -f bounded to a second)', async () => {
    const logCommands = commands.filter((c) => /^(grep|tail) /.test(c));
    expect(logCommands.length).toBeGreaterThanOrEqual(8);
    for (const cmd of logCommands) {
      const follow = cmd.startsWith('tail -f');
      const out = await sh(follow ? `timeout 1 bash -c '${cmd}'` : cmd);
      expect(out.code, `${cmd}: ${out.stderr}`).toBe(follow ? 124 : 0);
      expect(out.stderr, cmd).toBe('');
    }
  });

  it('the log greps find lines', async () => {
    for (const pattern of [/^grep "sync" logs\/atom\.log \| tail -50$/, /^grep "skills_cached" logs\/atom\.log/, /^grep "websocket" logs\/atom\.log/]) {
      const out = await sh(command(pattern));
      expect(out.code, String(pattern)).toBe(0);
      expect(out.stdout.trim().length, String(pattern)).toBeGreaterThan(0);
    }
  });
});

describe('runbook: Procedure 1, trigger a manual sync', () => {
  it('goes idle -> syncing -> idle', async () => {
    const before = await json('curl -s http://localhost:8000/api/admin/sync/status');
    expect(before.status).toBe('idle');
    // Slow the remote a little so the run is long enough to be seen.
    emulator().setFaults({ latency_ms: 300 });
    try {
      const trigger = await withStatus(command(/^curl -X POST http:\/\/localhost:8000\/api\/admin\/sync\/trigger$/));
      expect(trigger.status).toBe(202);
      expect(trigger.body).toMatchObject({ accepted: true, mode: 'incremental' });
      const watchCmd = /^watch -n \d+ '(.+)'$/.exec(command(/^watch .*sync\/status/))![1]!;
      const during = await json(watchCmd);
      expect(during).toMatchObject({ status: 'syncing', run_id: trigger.body.run_id });
      const again = await withStatus(command(/^curl -X POST http:\/\/localhost:8000\/api\/admin\/sync\/trigger$/));
      expect(again.status).toBe(409);
      expect(again.body.error).toBe('sync_in_progress');
    } finally {
      emulator().setFaults({});
    }
    const after = await until(() => json('curl -s http://localhost:8000/api/admin/sync/status'), (s) => s.status === 'idle', 30_000, 'idle again');
    expect(after.last_error).toBeNull();
    const logs = await sh('grep "sync" logs/atom.log | tail -50');
    expect(logs.stdout).toMatch(/sync completed/);
  });
});

describe('runbook: Procedure 2, restart the WebSocket', () => {
  it('reconnects within 30 s and counts one reconnect', async () => {
    const before = await json(command(/^curl http:\/\/localhost:8000\/api\/admin\/sync\/websocket\/status$/));
    expect(before.connected).toBe(true);
    const reconnect = await withStatus(command(/^curl -X POST http:\/\/localhost:8000\/api\/admin\/sync\/websocket\/reconnect$/));
    expect(reconnect.status).toBe(202);
    const watchCmd = /^watch -n \d+ '(.+)'$/.exec(command(/^watch .*websocket\/status/))![1]!;
    await until(() => sh(watchCmd), (out) => out.stdout.trim() === 'true', 30_000, 'websocket connected');
    const after = await json('curl -s http://localhost:8000/api/admin/sync/websocket/status');
    expect(after.reconnect_count).toBe((before.reconnect_count as number) + 1);
    const logs = await sh('grep websocket logs/atom.log | tail -30');
    expect(logs.stdout).toMatch(/reconnect/);
  });
});

describe('runbook: Issue 5, a failed rating upload retried', () => {
  it('a rejected upload lands in failed-uploads and its retry uploads it once', async () => {
    const skillId = 'skill-000007';
    emulator().setFaults({ reject_ratings_for: [skillId] });
    let ratingId = '';
    try {
      ratingId = (await engine.services.ratings.addLocalRating({ skill_id: skillId, user_id: 'runbook-user', rating: 4, comment: 'solid' })).id;
      const trigger = await withStatus('curl -X POST http://localhost:8000/api/admin/sync/ratings');
      expect(trigger.status).toBe(202);
      await until(() => json(command(/^curl http:\/\/localhost:8000\/api\/admin\/sync\/ratings\/failed-uploads$/)), (list) => (list.total as number) >= 1, 15_000, 'dead letter');
    } finally {
      emulator().setFaults({});
    }
    await until(() => json('curl -s http://localhost:8000/api/admin/sync/ratings/status'), (s) => s.status === 'idle', 15_000, 'rating sync idle');
    const list = await json('curl -s http://localhost:8000/api/admin/sync/ratings/failed-uploads');
    const item = (list.items as Array<{ id: number; rating_id: string; skill_id: string; error: string }>).find((f) => f.rating_id === ratingId)!;
    expect(item).toMatchObject({ skill_id: skillId });
    expect(item.error.length).toBeGreaterThan(0);
    const status = await json(command(/^curl http:\/\/localhost:8000\/api\/admin\/sync\/ratings\/status$/));
    expect(status.failed_count).toBeGreaterThanOrEqual(1);

    const retryCmd = command(/ratings\/failed-uploads\/\{id\}\/retry/).replace('{id}', String(item.id));
    const retried = await withStatus(retryCmd);
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ id: item.id, result: 'uploaded', error: null });
    const unknown = await withStatus(command(/ratings\/failed-uploads\/\{id\}\/retry/).replace('{id}', '999999'));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('not_found');
    const received = emulator().receivedRatings();
    expect(received.items.filter((r) => r.client_rating_id === ratingId)).toHaveLength(1);
    expect(received.duplicates).toEqual([]);
    expect((await json('curl -s http://localhost:8000/api/admin/sync/ratings/failed-uploads')).total).toBe((list.total as number) - 1);
    const metrics = await sh(command(/metrics\/sync \| grep rating_sync$/));
    expect(metrics.stdout).toMatch(/^rating_sync_uploads_total\{result="accepted"\} [1-9]/m);
    const logs = await sh(command(/^grep "rating_sync" logs\/atom\.log/));
    expect(logs.stdout).toMatch(/failed rating upload retried/);
  });
});

describe('runbook: Procedure 4 and Issue 6, resolve conflicts', () => {
  const skills = ['skill-000011', 'skill-000012', 'skill-000013', 'skill-000014', 'skill-000015'];
  const conflictIds = new Map<string, number>();

  beforeAll(async () => {
    // The local Atom edits these rows (the local-edit trigger marks them) ...
    const edit = await sh(`sqlite3 atom_dev.db "UPDATE community_skills SET description = 'edited locally' WHERE skill_id IN (${skills.map((s) => `'${s}'`).join(',')});"`);
    expect(edit.code, edit.stderr).toBe(0);
    const marked = await sh(`sqlite3 atom_dev.db "SELECT COUNT(*) FROM community_skills WHERE local_modified_at IS NOT NULL;"`);
    expect(marked.stdout.trim()).toBe(String(skills.length));
    // ... and Atom SaaS changes the same field.
    emulator().mutate({ update_ids: skills, set: { description: 'changed remotely' } });
    await withStatus('curl -X POST http://localhost:8000/api/admin/sync/trigger');
    const list = await until(
      () => json('curl -s "http://localhost:8000/api/admin/sync/conflicts?limit=50"'),
      (l) => l.total === skills.length,
      30_000,
      'conflicts detected',
    );
    for (const c of list.items as Array<{ id: number; entity_id: string }>) conflictIds.set(c.entity_id, c.id);
    await until(() => json('curl -s http://localhost:8000/api/admin/sync/status'), (s) => s.status === 'idle', 30_000, 'sync idle');
  }, 60_000);

  const description = async (skillId: string) => (await sh(`sqlite3 atom_dev.db "SELECT description FROM community_skills WHERE skill_id = '${skillId}';"`)).stdout.trim();

  it('lists and shows the conflicts, with metrics and log lines', async () => {
    const listed = await sh(command(/^curl http:\/\/localhost:8000\/api\/admin\/sync\/conflicts \| jq \.$/));
    expect(JSON.parse(listed.stdout).total).toBe(skills.length);
    const id = conflictIds.get(skills[0]!)!;
    const detail = await json(command(/^curl http:\/\/localhost:8000\/api\/admin\/sync\/conflicts\/\{conflict_id\}$/).replace('{conflict_id}', String(id)));
    expect(detail).toMatchObject({ id, entity_type: 'skill', entity_id: skills[0], conflict_type: 'both_modified', status: 'unresolved' });
    expect(detail.fields).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'description', local: 'edited locally', remote: 'changed remotely', mergeable: false })]));
    const byIssue6 = await json(command(/^curl http:\/\/localhost:8000\/api\/admin\/sync\/conflicts\/\{id\}$/).replace('{id}', String(id)));
    expect(byIssue6.id).toBe(id);
    const metrics = await sh(command(/metrics\/sync \| grep conflicts$/));
    const unresolved = [...metrics.stdout.matchAll(/^conflicts_unresolved\{severity="\w+"\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(unresolved).toBe(skills.length);
    const logs = await sh(command(/^grep "conflict" logs\/atom\.log/));
    expect(logs.stdout).toMatch(/conflict detected/);
  });

  it('Procedure 4: resolves one with local_wins, then two in bulk with remote_wins', async () => {
    const single = command(/^curl -X POST "http:\/\/localhost:8000\/api\/admin\/sync\/conflicts\/\{conflict_id\}\/resolve\?strategy=local_wins"$/);
    const first = await withStatus(single.replace('{conflict_id}', String(conflictIds.get(skills[0]!))));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'resolved', strategy: 'local_wins', resolved_by: 'api:curl' });
    expect(await description(skills[0]!)).toBe('edited locally');
    const again = await withStatus(single.replace('{conflict_id}', String(conflictIds.get(skills[0]!))));
    expect(again.status).toBe(409);

    const bulk = command(/bulk-resolve\?strategy=remote_wins" -H/);
    const verbatim = await withStatus(bulk);
    expect(verbatim.status).toBe(200);
    expect(verbatim.body).toMatchObject({ resolved: 0 });
    expect(verbatim.body.failed).toHaveLength(3);
    const real = bulk.replace('["id1", "id2", "id3"]', JSON.stringify([conflictIds.get(skills[1]!), conflictIds.get(skills[2]!)]));
    expect(real).not.toBe(bulk);
    const resolved = await withStatus(real);
    expect(resolved.status).toBe(200);
    expect(resolved.body).toEqual({ resolved: 2, failed: [] });
    expect(await description(skills[1]!)).toBe('changed remotely');
    expect(await description(skills[2]!)).toBe('changed remotely');
    const verify = await json(command(/^curl http:\/\/localhost:8000\/api\/admin\/sync\/conflicts$/));
    expect(verify.total).toBe(2);
  });

  it('Issue 6: resolves one by its id, then bulk-resolves every remaining one', async () => {
    const single = command(/^curl -X POST http:\/\/localhost:8000\/api\/admin\/sync\/conflicts\/\{id\}\/resolve\?strategy=local_wins$/);
    const one = await withStatus(single.replace('{id}', String(conflictIds.get(skills[3]!))));
    expect(one.status).toBe(200);
    const rest = await withStatus(command(/^curl -X POST http:\/\/localhost:8000\/api\/admin\/sync\/conflicts\/bulk-resolve\?strategy=remote_wins$/));
    expect(rest.status).toBe(200);
    expect(rest.body).toEqual({ resolved: 1, failed: [] });
    expect(await description(skills[4]!)).toBe('changed remotely');
    expect((await json('curl -s http://localhost:8000/api/admin/sync/conflicts')).total).toBe(0);
    const metrics = await sh(command(/metrics\/sync \| grep conflicts$/));
    expect(metrics.stdout).toMatch(/^conflicts_resolved_total\{strategy="remote_wins"\} 3$/m);
    expect(metrics.stdout).toMatch(/^conflicts_resolved_total\{strategy="local_wins"\} 2$/m);
  });

  it('a later sync leaves the resolved skills alone (no new conflicts)', async () => {
    const trigger = await withStatus('curl -X POST http://localhost:8000/api/admin/sync/trigger');
    expect([202, 409]).toContain(trigger.status);
    await until(() => json('curl -s http://localhost:8000/api/admin/sync/status'), (s) => s.status === 'idle', 30_000, 'sync idle');
    expect((await json('curl -s "http://localhost:8000/api/admin/sync/conflicts?status=all"')).total).toBe(skills.length);
    expect((await json('curl -s http://localhost:8000/api/admin/sync/conflicts')).total).toBe(0);
  });
});

describe('runbook: Procedure 3, clear the cache and re-sync', () => {
  it('rebuilds everything after the documented deletes', async () => {
    await engine.stop();
    expect((await sh(command(/^cp atom_dev\.db atom_dev\.db\.backup$/))).code).toBe(0);
    for (const pattern of [/^sqlite3 atom_dev\.db "DELETE FROM community_skills;"$/, /^sqlite3 atom_dev\.db "DELETE FROM sync_state;"$/]) {
      const out = await sh(command(pattern));
      expect(out.code, out.stderr).toBe(0);
    }
    expect((await sh('sqlite3 atom_dev.db "SELECT COUNT(*) FROM community_skills;"')).stdout.trim()).toBe('0');
    engine = await startEngine();
    const trigger = await withStatus(command(/^curl -X POST http:\/\/localhost:8000\/api\/admin\/sync\/trigger$/));
    expect([202, 409]).toContain(trigger.status);
    const status = await until(
      () => json('curl -s http://localhost:8000/api/admin/sync/status'),
      (s) => s.status === 'idle' && s.last_sync !== null,
      30_000,
      're-sync',
    );
    expect(status.skills_cached).toBe(SKILLS);
    expect((await sh(command(/^sqlite3 atom_dev\.db "SELECT COUNT\(\*\) FROM community_skills;"$/))).stdout.trim()).toBe(String(SKILLS));
    const health = await json('curl -s http://localhost:8000/health/sync');
    expect(health.checks).toMatchObject({ last_sync: { healthy: true } });
  }, 60_000);
});

describe('runbook: the walk left no trace of a failure inside the API', () => {
  it('logged no unexpected API error', async () => {
    const out = await sh('grep -c "unexpected error in API handler" logs/atom.log');
    expect(out.stdout.trim()).toBe('0');
  });
});
