import { describe, expect, it } from 'vitest';
import { attachDecision, probeUrl, readProbeAnswer, sameDatabase, type DaemonProbe } from '../../electron/model/attachDecision.js';
import { freshConflicts } from '../../electron/model/conflictWatch.js';
import { startRoute } from '../../electron/model/routes.js';

const URL = 'http://127.0.0.1:8000';
const ours = { dbPath: '/home/u/.config/Atom Sync/atom-sync.db', port: 8000, platform: 'linux' as const };
const daemon = (dbPath: string): DaemonProbe => ({ kind: 'atom-sync', url: URL, dbPath });

describe('attach or start', () => {
  it('starts its own engine when nothing listens on the port', () => {
    expect(attachDecision({ kind: 'none' }, ours)).toEqual({ action: 'start', note: null });
  });

  it('attaches to a daemon serving the same database', () => {
    expect(attachDecision(daemon(ours.dbPath), ours)).toEqual({ action: 'attach', url: URL });
    expect(attachDecision(daemon('/home/u/.config/Atom Sync/./atom-sync.db'), ours)).toEqual({ action: 'attach', url: URL });
  });

  it('refuses, saying what to do, when the daemon on our port keeps another database', () => {
    const decision = attachDecision(daemon('/srv/atom/atom.db'), ours);
    expect(decision.action).toBe('refuse');
    if (decision.action !== 'refuse') return;
    expect(decision.message).toContain('/srv/atom/atom.db');
    expect(decision.message).toContain(ours.dbPath);
    expect(decision.message).toContain('ATOM_SYNC_PORT');
  });

  it('refuses when an Atom Sync wants an admin token it was not given (it cannot tell which database)', () => {
    const decision = attachDecision({ kind: 'locked', url: URL }, ours);
    expect(decision).toMatchObject({ action: 'refuse', message: expect.stringContaining('ATOM_SYNC_ADMIN_TOKEN') });
  });

  it('starts its own engine (its API off) when another program holds the port', () => {
    expect(attachDecision({ kind: 'other', url: URL, detail: 'HTTP 404' }, ours)).toEqual({ action: 'start', note: 'port 8000 is used by another program (HTTP 404)' });
  });

  it('compares paths as the platform does', () => {
    expect(sameDatabase('/data/Atom.db', '/data/atom.db', 'linux')).toBe(false);
    expect(sameDatabase('/data/Atom.db', '/data/atom.db', 'darwin')).toBe(true);
    expect(sameDatabase('C:\\Users\\u\\AppData\\Atom.db', 'c:\\users\\u\\appdata\\atom.db', 'win32')).toBe(true);
    expect(sameDatabase('/data/a/../atom.db', '/data/atom.db', 'linux')).toBe(true);
  });
});

describe('reading the probe', () => {
  it('knows an atom-sync config answer by its fields', () => {
    expect(readProbeAnswer(URL, 200, { db_path: '/x.db', instance_id: 'atom-sync-local', port: 8000 })).toEqual({ kind: 'atom-sync', url: URL, dbPath: '/x.db' });
  });

  it('tells a locked atom-sync, nothing, and other programs apart', () => {
    expect(readProbeAnswer(URL, 401, { error: 'unauthorized', detail: '…' })).toEqual({ kind: 'locked', url: URL });
    expect(readProbeAnswer(URL, 0, undefined)).toEqual({ kind: 'none' });
    expect(readProbeAnswer(URL, 200, '<html>')).toEqual({ kind: 'other', url: URL, detail: 'HTTP 200' });
    expect(readProbeAnswer(URL, 200, { db_path: '/x.db' })).toMatchObject({ kind: 'other' });
    expect(readProbeAnswer(URL, 401, 'Unauthorized')).toMatchObject({ kind: 'other', detail: 'HTTP 401' });
    expect(readProbeAnswer(URL, 404, { error: 'not_found' })).toMatchObject({ kind: 'other', detail: 'HTTP 404' });
  });

  it('probes loopback on our port, and nothing for an OS-chosen port', () => {
    expect(probeUrl('127.0.0.1', 8000)).toBe('http://127.0.0.1:8000');
    expect(probeUrl('0.0.0.0', 8123)).toBe('http://127.0.0.1:8123');
    expect(probeUrl('::1', 8000)).toBe('http://[::1]:8000');
    expect(probeUrl('127.0.0.1', 0)).toBeNull();
  });
});

describe('new conflicts seen from outside', () => {
  const c = (id: number, severity: 'low' | 'critical' = 'low', name: string | null = `Skill ${id}`) => ({ id, entity_id: `skill-${id}`, entity_name: name, severity });

  it('reports what was not listed before, oldest first, once', () => {
    const seen = new Set<number>();
    expect(freshConflicts(seen, [c(1), c(2)])).toHaveLength(2);
    expect(freshConflicts(seen, [c(5, 'critical'), c(1), c(2), c(4, 'low', null)])).toEqual([
      { id: 4, name: 'skill-4', severity: 'low' },
      { id: 5, name: 'Skill 5', severity: 'critical' },
    ]);
    expect(freshConflicts(seen, [c(5, 'critical'), c(4)])).toEqual([]);
  });
});

describe('the first view', () => {
  it('is the Connect screen until Atom SaaS is configured', () => {
    expect(startRoute({ demoMode: true, tokenConfigured: false })).toBe('#/connect');
    expect(startRoute({ demoMode: false, tokenConfigured: false })).toBe('#/connect');
    expect(startRoute({ demoMode: true, tokenConfigured: true })).toBe('#/connect');
    expect(startRoute({ demoMode: false, tokenConfigured: true })).toBe('#/');
  });
});
