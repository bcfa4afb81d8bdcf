/**
 * The runbook's `psql "$ATOM_DATABASE_URL" …` lines, run as written against an engine on
 * PostgreSQL: the server-install twins of its sqlite3 lines.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../emulator/index.js';
import { loadConfig } from '../../engine/config/index.js';
import { createEngine } from '../../engine/index.js';
import { postgresAvailable, usePostgres } from '../support/postgres.js';
import { syncAndWait } from '../support/harness.js';
import { tempDir } from '../support/tempDir.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SKILLS = 40;

function psqlLines(): string[] {
  const text = readFileSync(path.join(ROOT, 'docs/runbook.md'), 'utf8');
  const lines = [...text.matchAll(/^psql "\$ATOM_DATABASE_URL" -c "[^"]+"/gm)].map((m) => m[0]);
  return [...new Set(lines)];
}

function sh(cmd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', cmd], { timeout: 15_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe.runIf(postgresAvailable())('the runbook on PostgreSQL', () => {
  const cluster = usePostgres();
  const tmp = tempDir('atom-runbook-pg-');
  afterAll(() => tmp.cleanup());

  it('has psql twins of its sqlite3 lines, and each runs as written', async () => {
    const lines = psqlLines();
    expect(lines.length).toBeGreaterThanOrEqual(4);
    const emulator = await startEmulator({ skills: SKILLS, categories: 3, seed: 5 });
    const url = await cluster().freshDatabase();
    const engine = await createEngine(
      loadConfig({ ATOM_SAAS_API_URL: emulator.apiUrl, ATOM_SAAS_WS_ENABLED: 'false', ATOM_DATABASE_URL: url, ATOM_LOG_PATH: tmp.file('atom.log'), ATOM_SYNC_PORT: '0' }, tmp.dir),
      { listen: false, syncOnStart: false, staticDir: null },
    );
    try {
      await engine.start();
      await syncAndWait(engine, 'full');
      const env = { ATOM_DATABASE_URL: url, PGCONNECT_TIMEOUT: '5' };
      // Reads first, then the cache-clearing procedure.
      const reads = lines.filter((l) => !/DELETE/.test(l));
      for (const line of reads) {
        const result = await sh(line, env);
        expect(result.code, `${line}\n${result.stderr}`).toBe(0);
        if (/COUNT\(\*\) FROM community_skills/.test(line)) expect(result.stdout).toMatch(new RegExp(`\\b${SKILLS}\\b`));
      }
      await engine.stop();
      for (const line of lines.filter((l) => /DELETE/.test(l))) expect((await sh(line, env)).code, line).toBe(0);
      const count = await sh(reads.find((l) => /COUNT/.test(l))!, env);
      expect(count.stdout).toMatch(/\b0\b/);
    } finally {
      await engine.stop();
      await emulator.close();
    }
  }, 60_000);
});
