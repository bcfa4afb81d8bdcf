/**
 * Start at login on Linux: an XDG autostart `.desktop` file (desktop.md "Auto-start"). The
 * checkbox reads the file back from disk, so it shows what the session will really do.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Env = Record<string, string | undefined>;

export const AUTOSTART_FILE_NAME = 'atom-sync.desktop';
/** Seconds the session waits before starting us, so the tray host (panel) is up first. */
export const DEFAULT_START_DELAY_SECONDS = 5;
export const HIDDEN_FLAG = '--hidden';

export const DEFAULT_AUTOSTART_TEMPLATE = `[Desktop Entry]
Type=Application
Version=1.0
Name=Atom Sync
Comment=Keeps the local Atom marketplace in step with Atom SaaS
Exec={{EXEC}}
Icon=atom-sync
Terminal=false
X-GNOME-Autostart-enabled=true
X-GNOME-Autostart-Delay={{DELAY}}
X-MATE-Autostart-Delay={{DELAY}}
X-KDE-autostart-after=panel
`;

export interface LaunchCommand {
  program: string;
  args: string[];
}

export interface AutostartLocation {
  env: Env;
  /** Defaults to the OS home directory when $HOME is unset. */
  home?: string;
}

export interface AutostartState {
  enabled: boolean;
  path: string;
  /** The program the entry starts, or null when there is no entry (or no Exec line). */
  program: string | null;
  /** Set when the entry would not start this copy of the app. */
  warning: string | null;
}

/**
 * What the session should run: the AppImage file itself when running from one ($APPIMAGE; the
 * executable lives in a temporary mount that is gone after logout), the installed binary when
 * packaged, or Electron with the project folder in development.
 */
export function launchCommand(p: { execPath: string; appImage?: string | null; isPackaged: boolean; appPath: string }): LaunchCommand {
  if (p.appImage) return { program: p.appImage, args: [HIDDEN_FLAG] };
  if (p.isPackaged) return { program: p.execPath, args: [HIDDEN_FLAG] };
  return { program: p.execPath, args: [p.appPath, HIDDEN_FLAG] };
}

/** `$XDG_CONFIG_HOME/autostart`, or `~/.config/autostart` when unset or not absolute (as the spec says). */
export function autostartDir(loc: AutostartLocation): string {
  const xdg = loc.env.XDG_CONFIG_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'autostart');
  const home = loc.env.HOME || loc.home || os.homedir();
  return path.join(home, '.config', 'autostart');
}

export function autostartPath(loc: AutostartLocation): string {
  return path.join(autostartDir(loc), AUTOSTART_FILE_NAME);
}

const RESERVED = /[\s"'\\><~|&;$*?#()`]/;

/** One Exec argument per the Desktop Entry spec: quoted when needed, `"`, `` ` ``, `$`, `\` escaped inside quotes. */
export function quoteExecArg(arg: string, force = false): string {
  const escaped = arg.replace(/%/g, '%%');
  if (!force && escaped.length > 0 && !RESERVED.test(escaped)) return escaped;
  return `"${escaped.replace(/(["`$\\])/g, '\\$1')}"`;
}

/** The Exec value as written in the file: the program always quoted, then the string-level escapes. */
export function execValue(cmd: LaunchCommand): string {
  const line = [quoteExecArg(cmd.program, true), ...cmd.args.map((a) => quoteExecArg(a))].join(' ');
  return line.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
}

/** Undoes execValue (string escapes first, then the quoting rule); field codes like %U are dropped. */
export function parseExecValue(value: string): string[] | null {
  const unescaped = value.replace(/\\([\\snrt])/g, (_m, c: string) => ({ '\\': '\\', s: ' ', n: '\n', r: '\r', t: '\t' })[c] ?? c);
  const args: string[] = [];
  let current = '';
  let inArg = false;
  let quoted = false;
  for (let i = 0; i < unescaped.length; i++) {
    const ch = unescaped[i]!;
    if (quoted) {
      if (ch === '\\' && i + 1 < unescaped.length && '"`$\\'.includes(unescaped[i + 1]!)) current += unescaped[++i];
      else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') {
      quoted = true;
      inArg = true;
    } else if (ch === ' ' || ch === '\t') {
      if (inArg) args.push(current);
      current = '';
      inArg = false;
    } else {
      current += ch;
      inArg = true;
    }
  }
  if (quoted) return null;
  if (inArg) args.push(current);
  return args
    .filter((a) => !/^%[fFuUdDnNickvm]$/.test(a))
    .map((a) => a.replace(/%%/g, '%'));
}

export function renderAutostartEntry(cmd: LaunchCommand, delaySeconds = DEFAULT_START_DELAY_SECONDS, template = DEFAULT_AUTOSTART_TEMPLATE): string {
  const delay = String(Math.max(0, Math.min(300, Math.trunc(delaySeconds))));
  return template.replace(/\{\{EXEC\}\}/g, () => execValue(cmd)).replace(/\{\{DELAY\}\}/g, delay);
}

/** Key/value pairs of the `[Desktop Entry]` group. */
export function parseDesktopEntry(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let inGroup = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      inGroup = line === '[Desktop Entry]';
      continue;
    }
    const eq = line.indexOf('=');
    if (inGroup && eq > 0) out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return out;
}

export function enableAutostart(loc: AutostartLocation, cmd: LaunchCommand, delaySeconds?: number): string {
  const file = autostartPath(loc);
  mkdirSync(path.dirname(file), { recursive: true });
  // Write then rename: a session starting meanwhile never reads half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, renderAutostartEntry(cmd, delaySeconds), { mode: 0o644 });
  renameSync(tmp, file);
  return file;
}

/** Removes the entry (disabling means no file, as the spec prefers over `Hidden=true`). */
export function disableAutostart(loc: AutostartLocation): boolean {
  const file = autostartPath(loc);
  if (!existsSync(file)) return false;
  rmSync(file, { force: true });
  return true;
}

/** What is on disk: whether the session will start an Atom Sync, and whether it is this one. */
export function readAutostart(loc: AutostartLocation, expectedProgram: string): AutostartState {
  const file = autostartPath(loc);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { enabled: false, path: file, program: null, warning: null };
  }
  const entry = parseDesktopEntry(text);
  const disabled = entry.get('Hidden') === 'true' || entry.get('X-GNOME-Autostart-enabled') === 'false';
  const exec = entry.get('Exec');
  const args = exec === undefined ? null : parseExecValue(exec);
  const program = args?.[0] ?? null;
  let warning: string | null = null;
  if (program === null) warning = `${file} has no usable Exec line`;
  else if (path.resolve(program) !== path.resolve(expectedProgram)) {
    warning = existsSync(program)
      ? `Start at login runs ${program}, not this copy (${expectedProgram})`
      : `Start at login runs ${program}, which no longer exists`;
  }
  return { enabled: !disabled, path: file, program, warning };
}
