import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  autostartDir,
  autostartPath,
  DEFAULT_AUTOSTART_TEMPLATE,
  disableAutostart,
  enableAutostart,
  execValue,
  launchCommand,
  parseDesktopEntry,
  parseExecValue,
  readAutostart,
  renderAutostartEntry,
} from '../../electron/model/autostartLinux.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let home: string;

beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'atom-autostart-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

/** A real executable file standing in for the installed app. */
function fakeBinary(name: string): string {
  const dir = path.join(home, 'apps', path.dirname(name));
  mkdirSync(dir, { recursive: true });
  const file = path.join(home, 'apps', name);
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  return file;
}

describe('where the entry goes', () => {
  it('uses $XDG_CONFIG_HOME/autostart, else ~/.config/autostart', () => {
    expect(autostartDir({ env: { HOME: home, XDG_CONFIG_HOME: path.join(home, 'xdg') } })).toBe(path.join(home, 'xdg', 'autostart'));
    expect(autostartDir({ env: { HOME: home } })).toBe(path.join(home, '.config', 'autostart'));
    // a relative XDG_CONFIG_HOME is invalid per the spec and ignored
    expect(autostartDir({ env: { HOME: home, XDG_CONFIG_HOME: 'relative/dir' } })).toBe(path.join(home, '.config', 'autostart'));
  });
});

describe('what it launches', () => {
  it('prefers the AppImage file, then the installed binary, then Electron with the project', () => {
    expect(launchCommand({ execPath: '/tmp/.mount_x/atom-sync', appImage: '/home/u/Atom Sync.AppImage', isPackaged: true, appPath: '/a' })).toEqual({
      program: '/home/u/Atom Sync.AppImage',
      args: ['--hidden'],
    });
    expect(launchCommand({ execPath: '/opt/Atom Sync/atom-sync', isPackaged: true, appPath: '/a' })).toEqual({
      program: '/opt/Atom Sync/atom-sync',
      args: ['--hidden'],
    });
    expect(launchCommand({ execPath: '/p/node_modules/electron/dist/electron', isPackaged: false, appPath: '/p' })).toEqual({
      program: '/p/node_modules/electron/dist/electron',
      args: ['/p', '--hidden'],
    });
  });

  it('quotes the program, escapes what the Desktop Entry spec reserves, and reads it back', () => {
    const cmd = { program: '/opt/Atom Sync/atom-sync', args: ['--hidden'] };
    expect(execValue(cmd)).toBe('"/opt/Atom Sync/atom-sync" --hidden');
    const nasty = { program: '/home/u/My "Apps"/a$b`c\\d 100%/atom-sync', args: ['/path with space', '--hidden'] };
    const value = execValue(nasty);
    // inside quotes: \" \` \$ and \\ ; then the string-level escape doubles every backslash
    expect(value).toBe('"/home/u/My \\\\"Apps\\\\"/a\\\\$b\\\\`c\\\\\\\\d 100%%/atom-sync" "/path with space" --hidden');
    expect(parseExecValue(value)).toEqual([nasty.program, ...nasty.args]);
  });

  it('drops field codes and rejects an unterminated quote', () => {
    expect(parseExecValue('atom-sync %U')).toEqual(['atom-sync']);
    expect(parseExecValue('"/opt/x --hidden')).toBeNull();
  });
});

describe('enable, read back, disable (on a temporary HOME)', () => {
  it('writes a real entry with a quoted Exec, --hidden and a start delay', () => {
    const program = fakeBinary('Atom Sync/atom-sync');
    const env = { HOME: home };
    const file = enableAutostart({ env }, { program, args: ['--hidden'] }, 7);
    expect(file).toBe(path.join(home, '.config', 'autostart', 'atom-sync.desktop'));
    const text = readFileSync(file, 'utf8');
    const entry = parseDesktopEntry(text);
    expect(entry.get('Type')).toBe('Application');
    expect(entry.get('Exec')).toBe(`"${program}" --hidden`);
    expect(entry.get('X-GNOME-Autostart-Delay')).toBe('7');
    expect(entry.get('X-GNOME-Autostart-enabled')).toBe('true');
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(readAutostart({ env }, program)).toEqual({ enabled: true, path: file, program, warning: null });
  });

  it('writes under $XDG_CONFIG_HOME when set', () => {
    const program = fakeBinary('atom-sync');
    const env = { HOME: home, XDG_CONFIG_HOME: path.join(home, 'cfg') };
    enableAutostart({ env }, { program, args: ['--hidden'] });
    expect(existsSync(path.join(home, 'cfg', 'autostart', 'atom-sync.desktop'))).toBe(true);
    expect(readAutostart({ env }, program).enabled).toBe(true);
    expect(readAutostart({ env: { HOME: home } }, program).enabled).toBe(false);
  });

  it('launches the AppImage when $APPIMAGE is set', () => {
    const appImage = fakeBinary('Atom Sync-0.1.0.AppImage');
    const cmd = launchCommand({ execPath: '/tmp/.mount_abc/atom-sync', appImage, isPackaged: true, appPath: '/tmp/.mount_abc/resources/app.asar' });
    enableAutostart({ env: { HOME: home } }, cmd);
    const state = readAutostart({ env: { HOME: home } }, appImage);
    expect(state).toMatchObject({ enabled: true, program: appImage, warning: null });
  });

  it('removes the entry to disable, and reads that back', () => {
    const program = fakeBinary('atom-sync');
    const env = { HOME: home };
    enableAutostart({ env }, { program, args: ['--hidden'] });
    expect(disableAutostart({ env })).toBe(true);
    expect(existsSync(autostartPath({ env }))).toBe(false);
    expect(readAutostart({ env }, program)).toMatchObject({ enabled: false, program: null, warning: null });
    expect(disableAutostart({ env })).toBe(false);
  });

  it('warns when the entry starts another copy, or one that is gone', () => {
    const current = fakeBinary('new/atom-sync');
    const other = fakeBinary('old/atom-sync');
    const env = { HOME: home };
    enableAutostart({ env }, { program: other, args: ['--hidden'] });
    const state = readAutostart({ env }, current);
    expect(state.enabled).toBe(true);
    expect(state.warning).toBe(`Start at login runs ${other}, not this copy (${current})`);
    rmSync(other);
    expect(readAutostart({ env }, current).warning).toBe(`Start at login runs ${other}, which no longer exists`);
  });

  it('shows an entry the user switched off in the session settings as off', () => {
    const program = fakeBinary('atom-sync');
    const env = { HOME: home };
    const file = enableAutostart({ env }, { program, args: ['--hidden'] });
    writeFileSync(file, readFileSync(file, 'utf8').replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false'));
    expect(readAutostart({ env }, program).enabled).toBe(false);
    writeFileSync(file, `${readFileSync(file, 'utf8')}Hidden=true\n`);
    expect(readAutostart({ env }, program).enabled).toBe(false);
  });

  it('reports an entry without a usable Exec line', () => {
    const env = { HOME: home };
    mkdirSync(autostartDir({ env }), { recursive: true });
    writeFileSync(autostartPath({ env }), '[Desktop Entry]\nType=Application\nName=Atom Sync\n');
    expect(readAutostart({ env }, '/opt/x').warning).toContain('has no usable Exec line');
  });
});

describe('the shipped template', () => {
  it('is the one the writer uses, and renders to an entry that reads back', () => {
    const shipped = readFileSync(path.join(repo, 'resources', 'atom-sync-autostart.desktop'), 'utf8');
    expect(shipped).toBe(DEFAULT_AUTOSTART_TEMPLATE);
    const rendered = renderAutostartEntry({ program: '/opt/Atom Sync/atom-sync', args: ['--hidden'] }, 5, shipped);
    expect(rendered).not.toContain('{{');
    expect(parseExecValue(parseDesktopEntry(rendered).get('Exec')!)).toEqual(['/opt/Atom Sync/atom-sync', '--hidden']);
  });
});
