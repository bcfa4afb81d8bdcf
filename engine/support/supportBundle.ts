/**
 * The diagnostics (support) bundle: one .tar.gz an operator can attach to a report. It holds the
 * status, the redacted configuration, the schema version, the last runs and errors, and the tail
 * of the logs; never a token or a password (every file is scrubbed of every known secret).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack, type Pack } from 'tar-stream';
import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import type { EngineSnapshot, InvalidItemSummary, RecentError, RunSummary } from '../contracts/localHttpApi.js';
import { errorMessage } from '../errors.js';
import { redact } from '../log/format.js';
import { configSecrets, redactConfig } from './configRedaction.js';
import { logFiles, scrubbedTail } from './logTail.js';

export interface SupportBundleDeps {
  config: () => Config;
  snapshot: () => EngineSnapshot;
  runs: (limit: number) => Promise<RunSummary[]>;
  recentErrors: () => RecentError[];
  invalidItems: (limit: number) => Promise<{ invalid_items: InvalidItemSummary[]; invalid_total: number }>;
  /** `database`: the file's PRAGMA user_version (null when it cannot be read); `build`: what this build migrates to. */
  schemaVersion: () => Promise<{ database: number | null; build: number }>;
  clock: Clock;
  appVersion: string;
  /** Values never to leave in the bundle (tokens, proxy passwords); the config's own secrets are added to them. */
  secrets: () => string[];
  limits?: SupportBundleLimits;
}

export interface SupportBundleLimits {
  /** The log tails together stay under this (default 5 MiB). */
  logBytes?: number;
  /** A part that takes longer (a database locked by another process) is recorded as failed (default 10 s). */
  partTimeoutMs?: number;
}

export const BUNDLE_RUNS = 50;
export const BUNDLE_INVALID_ITEMS = 100;
const LOG_BYTES = 5 * 1024 * 1024;
const PART_TIMEOUT_MS = 10_000;
/** Bundles written to disk beyond this many are removed, oldest first. */
const KEEP_BUNDLES = 10;
const BUNDLE_PREFIX = 'atom-sync-support-';

/** `atom-sync-support-2026-12-01T15-17-00-123Z.tar.gz`: sorts by time, valid on every file system. */
export function bundleFileName(nowMs: number): string {
  return `${BUNDLE_PREFIX}${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}.tar.gz`;
}

/** Each secret as it may appear in a file: raw, URL-encoded (by `redact`) and escaped inside a JSON string. */
function scrubForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

function scrubValue(value: unknown, forms: readonly string[]): unknown {
  if (typeof value === 'string') return redact(value, forms);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, forms));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k, forms), scrubValue(v, forms)]));
  }
  return value;
}

type Part<T> = { ok: true; value: T } | { ok: false; error: string };

/** One part of the bundle: a failing or stuck one is recorded, the rest is still collected. */
async function part<T>(clock: Clock, timeoutMs: number, read: () => T | Promise<T>): Promise<Part<T>> {
  let timer: ReturnType<Clock['setTimeout']> | null = null;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = clock.setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    timer.unref?.();
  });
  try {
    return { ok: true, value: await Promise.race([Promise.resolve().then(read), timeout]) };
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  } finally {
    if (timer) clock.clearTimeout(timer);
  }
}

const asJson = <T>(result: Part<T>) => (result.ok ? result.value : { error: result.error });

function readme(deps: SupportBundleDeps, generatedAt: string, notes: string[]): string {
  return [
    'Atom Sync diagnostics bundle',
    '',
    `Generated: ${generatedAt}`,
    `Atom Sync: ${deps.appVersion}`,
    `Node.js: ${process.version} on ${process.platform} ${process.arch}`,
    '',
    'Contents:',
    '  README.txt   this file',
    '  status.json  the status snapshot (sync, health, websocket, ratings, conflicts, API)',
    '  config.json  the effective configuration: tokens show only "[set]" or null, URLs lose their user and password',
    '  schema.json  the schema version the database records and the one this build expects',
    `  runs.json    the last ${BUNDLE_RUNS} sync runs, newest first`,
    '  errors.json  the recent errors kept in memory and the remote items skipped as invalid',
    '  logs/        the log file and its rotated copies, newest first (the end of each when they are large)',
    '',
    'No token or password is included: every file was scrubbed of every known secret, which shows as [redacted].',
    ...(notes.length > 0 ? ['', 'Notes:', ...notes.map((n) => `  ${n}`)] : []),
    '',
  ].join('\n');
}

async function fillBundle(pack: Pack, deps: SupportBundleDeps): Promise<void> {
  const nowMs = deps.clock.now();
  const mtime = new Date(nowMs);
  const timeoutMs = deps.limits?.partTimeoutMs ?? PART_TIMEOUT_MS;
  const take = <T>(read: () => T | Promise<T>) => part(deps.clock, timeoutMs, read);
  const add = (name: string, content: Buffer) =>
    new Promise<void>((resolve, reject) => {
      pack.entry({ name, size: content.length, mode: 0o600, mtime }, content, (error) => (error ? reject(error) : resolve()));
    });

  const config = await take(deps.config);
  const secrets = await take(deps.secrets);
  const forms = scrubForms([...(secrets.ok ? secrets.value : []), ...(config.ok ? configSecrets(config.value) : [])]);
  const json = (value: unknown) => Buffer.from(`${JSON.stringify(scrubValue(value, forms), null, 2)}\n`);
  const notes: string[] = [];
  if (!secrets.ok) notes.push(`the list of secrets could not be read (${secrets.error}); the config's own were scrubbed`);

  const [status, schema, runs, invalid] = await Promise.all([
    take(deps.snapshot),
    take(deps.schemaVersion),
    take(() => deps.runs(BUNDLE_RUNS)),
    take(() => deps.invalidItems(BUNDLE_INVALID_ITEMS)),
  ]);
  const errors = await take(deps.recentErrors);
  const parts: Array<[string, Part<unknown>]> = [
    ['status.json', status],
    ['config.json', config],
    ['schema.json', schema],
    ['runs.json', runs],
    ['errors.json', errors],
    ['errors.json (invalid items)', invalid],
  ];
  for (const [name, result] of parts) if (!result.ok) notes.push(`${name} could not be read: ${result.error}`);

  const entries: Array<[string, Buffer]> = [
    ['status.json', json(asJson(status))],
    ['config.json', json(config.ok ? redactConfig(config.value) : { error: config.error })],
    ['schema.json', json(schema.ok ? { ...schema.value, up_to_date: schema.value.database === schema.value.build } : { error: schema.error })],
    ['runs.json', json(runs.ok ? { items: runs.value } : { error: runs.error })],
    [
      'errors.json',
      json({
        items: asJson(errors),
        ...(invalid.ok ? invalid.value : { invalid_items: { error: invalid.error }, invalid_total: null }),
      }),
    ],
  ];
  const logs: Array<[string, Buffer]> = [];
  if (config.ok) {
    let budget = deps.limits?.logBytes ?? LOG_BYTES;
    for (const log of await logFiles(config.value.logPath)) {
      const name = `logs/${path.basename(log.file)}`;
      if (budget <= 0) {
        notes.push(`${name} left out (${log.size} bytes): the logs already take the bundle's share`);
        continue;
      }
      const bytes = Math.min(log.size, budget);
      budget -= bytes;
      try {
        logs.push([name, await scrubbedTail(log.file, log.size, bytes, forms)]);
        if (bytes < log.size) notes.push(`${name} holds the end of the file: its last ${bytes} of ${log.size} bytes`);
      } catch (error) {
        notes.push(`${name} could not be read: ${errorMessage(error)}`);
      }
    }
    if (logs.length === 0) notes.push(`no log file was found at ${config.value.logPath}`);
  }
  await add('README.txt', Buffer.from(redact(readme(deps, mtime.toISOString(), notes), forms)));
  for (const [name, content] of [...entries, ...logs]) await add(name, content);
}

/** Streams the bundle as a .tar.gz. Only the tails of the logs are read, so memory stays near the log cap however large the files. */
export function createSupportBundle(deps: SupportBundleDeps): Readable {
  const pack = tarPack();
  const gzip = createGzip();
  let finished = false;
  pack.on('error', (error: Error) => gzip.destroy(error));
  // The reader went away (a closed download): stop collecting.
  gzip.on('close', () => {
    if (!finished) pack.destroy();
  });
  pack.pipe(gzip);
  fillBundle(pack, deps).then(
    () => {
      finished = true;
      pack.finalize();
    },
    (error: unknown) => {
      finished = true;
      gzip.destroy(error instanceof Error ? error : new Error(String(error)));
      pack.destroy();
    },
  );
  return gzip;
}

/** Keeps the newest bundles in `dir` (by name, which sorts by time). */
async function pruneBundles(dir: string, keep: number): Promise<void> {
  const names = (await readdir(dir)).filter((n) => n.startsWith(BUNDLE_PREFIX) && n.endsWith('.tar.gz')).sort();
  for (const name of names.slice(0, Math.max(0, names.length - keep))) await unlink(path.join(dir, name)).catch(() => undefined);
}

/** The folder bundles are written to unless told otherwise: `support/` beside the log file. */
export function defaultBundleDir(config: Config): string {
  return path.join(path.dirname(config.logPath), 'support');
}

/**
 * Writes `atom-sync-support-<timestamp>.tar.gz` into `dir`, readable by its owner only. It is written
 * under a temporary name and renamed once complete, so a half-written bundle never carries the name.
 */
export async function writeSupportBundle(deps: SupportBundleDeps, dir?: string): Promise<{ path: string; bytes: number }> {
  const folder = dir ?? defaultBundleDir(deps.config());
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const final = path.join(folder, bundleFileName(deps.clock.now()));
  const tmp = path.join(folder, `.${path.basename(final)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await pipeline(createSupportBundle(deps), createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
    // On disk before it takes its name, so a crash never leaves an empty bundle under the final name.
    const handle = await open(tmp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(tmp, 0o600);
    await rename(tmp, final);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await pruneBundles(folder, KEEP_BUNDLES).catch(() => undefined);
  return { path: final, bytes: (await stat(final)).size };
}
