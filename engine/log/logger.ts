import { mkdirSync } from 'node:fs';
import path from 'node:path';
import electronLog from 'electron-log/node.js';
import { formatLine, redact, type LogFields, type LogLevel } from './format.js';

export type { LogFields, LogLevel } from './format.js';

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  /** A logger whose lines carry another scope (`sync`, `websocket`, `rating_sync`, `conflict`, `api`). */
  child(scope: string): Logger;
}

export interface LoggerOptions {
  /** File written with size rotation; null logs to stderr only. */
  logPath: string | null;
  level?: LogLevel;
  /** Values never to be written (tokens); a function when they can change (a new token saved from the UI). */
  secrets?: readonly string[] | (() => readonly string[]);
  /** Also write to stderr (default true). */
  stderr?: boolean;
  /** Rotate past this size (bytes): the old file becomes `atom.old.log`. */
  maxSize?: number;
}

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];
const LEVELS = LOG_LEVELS;

/** The level of a running logger and its children, changed at run time (it reverts on restart). */
export interface LogLevelControl {
  get(): LogLevel;
  set(level: LogLevel): void;
}

/** A logger whose level can be switched while it runs. */
export interface SwitchableLogger extends Logger {
  readonly levelControl: LogLevelControl;
}
let instances = 0;

/** electron-log's Node entry (works with or without Electron) behind our one-line format. */
export function createLogger(options: LoggerOptions, scope = 'engine'): SwitchableLogger {
  let threshold = LEVELS.indexOf(options.level ?? 'info');
  const levelControl: LogLevelControl = {
    get: () => LEVELS[threshold]!,
    set: (level) => {
      threshold = LEVELS.indexOf(level);
    },
  };
  const given = options.secrets ?? [];
  const secrets = (): readonly string[] => (typeof given === 'function' ? given() : given).filter((s) => s.length > 0);
  const sink = electronLog.create({ logId: `atom-sync-${++instances}` });
  const transports = sink.transports as unknown as Record<string, unknown>;
  transports.console = null;
  transports.ipc = null;
  transports.remote = null;
  if (options.logPath) {
    const logPath = options.logPath;
    mkdirSync(path.dirname(logPath), { recursive: true });
    sink.transports.file.resolvePathFn = () => logPath;
    sink.transports.file.format = '{text}';
    sink.transports.file.maxSize = options.maxSize ?? 10 * 1024 * 1024;
    sink.transports.file.level = 'silly';
  } else {
    transports.file = null;
  }
  const toStderr = options.stderr ?? true;

  const write = (level: LogLevel, lineScope: string, message: string, fields?: LogFields) => {
    if (LEVELS.indexOf(level) > threshold) return;
    const line = redact(formatLine(new Date(), level, lineScope, message, fields), secrets());
    if (toStderr) process.stderr.write(`${line}\n`);
    if (options.logPath) sink[level](line);
  };

  const make = (lineScope: string): Logger => ({
    error: (m, f) => write('error', lineScope, m, f),
    warn: (m, f) => write('warn', lineScope, m, f),
    info: (m, f) => write('info', lineScope, m, f),
    debug: (m, f) => write('debug', lineScope, m, f),
    child: (next) => make(next),
  });
  return { ...make(scope), levelControl };
}

/** A logger that writes nothing, for unit tests of pure parts. */
export const silentLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child: () => silentLogger,
};
