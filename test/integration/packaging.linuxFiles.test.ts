/** The Linux files that ship beside the app: the headless daemon's systemd unit and the desktop entry. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDesktopEntry } from '../../electron/model/autostartLinux.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const unitPath = path.join(repo, 'resources', 'atom-sync.service');
const unit = readFileSync(unitPath, 'utf8');

function which(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status === 0;
}

/** `Key=value` lines of one section (repeated keys kept in order). */
function section(text: string, name: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) current = line;
    else if (current === `[${name}]` && line && !line.startsWith('#')) {
      const eq = line.indexOf('=');
      out.push([line.slice(0, eq), line.slice(eq + 1)]);
    }
  }
  return out;
}

describe('systemd unit', () => {
  const service = section(unit, 'Service');
  const get = (key: string) => service.filter(([k]) => k === key).map(([, v]) => v);

  it('runs the headless daemon, restarts on failure, reads an optional env file', () => {
    expect(get('ExecStart')).toEqual(['/usr/bin/node /opt/atom-sync/dist/engine/daemon.js']);
    expect(get('Restart')).toEqual(['on-failure']);
    expect(get('EnvironmentFile')).toEqual(['-/etc/atom-sync/env']);
    expect(get('KillSignal')).toEqual(['SIGTERM']);
    expect(section(unit, 'Install')).toContainEqual(['WantedBy', 'multi-user.target']);
  });

  it('is hardened, with only its data folder (DB and logs) writable', () => {
    expect(get('NoNewPrivileges')).toEqual(['true']);
    expect(get('ProtectSystem')).toEqual(['strict']);
    expect(get('PrivateTmp')).toEqual(['true']);
    expect(get('ProtectHome')).toEqual(['true']);
    expect(get('ReadWritePaths')).toEqual(['/var/lib/atom-sync']);
    // The default ./atom_dev.db and logs/atom.log land there, where the runbook's commands run as written.
    expect(get('WorkingDirectory')).toEqual(['/var/lib/atom-sync']);
    expect(get('Environment').some((v) => v.startsWith('ATOM_DB_PATH=') || v.startsWith('ATOM_LOG_PATH='))).toBe(false);
  });

  it('passes systemd-analyze verify', (ctx) => {
    if (!which('systemd-analyze')) ctx.skip('systemd-analyze is not installed here');
    const run = spawnSync('systemd-analyze', ['verify', unitPath], { encoding: 'utf8', timeout: 30_000 });
    const problems = `${run.stdout}\n${run.stderr}`
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0)
      // a machine without Node at /usr/bin/node is not the unit's fault
      .filter((l) => !/Command \/usr\/bin\/node is not executable: No such file or directory/.test(l));
    expect(problems).toEqual([]);
    if (run.status !== 0) expect(`${run.stdout}${run.stderr}`).toMatch(/\/usr\/bin\/node is not executable/);
  });
});

describe('desktop entry', () => {
  const entry = parseDesktopEntry(readFileSync(path.join(repo, 'resources', 'atom-sync.desktop'), 'utf8'));

  it('has what launchers need', () => {
    expect(entry.get('Type')).toBe('Application');
    expect(entry.get('Name')).toBe('Atom Sync');
    expect(entry.get('Exec')).toMatch(/^atom-sync\b/);
    expect(entry.get('Icon')).toBe('atom-sync');
    expect(entry.get('Categories')).toMatch(/;$/);
  });

  it('passes desktop-file-validate', (ctx) => {
    if (!which('desktop-file-validate')) ctx.skip('desktop-file-validate is not installed here');
    const run = spawnSync('desktop-file-validate', [path.join(repo, 'resources', 'atom-sync.desktop')], { encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`.trim()).toBe('');
  });
});
