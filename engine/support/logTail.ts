import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { redact } from '../log/format.js';

export interface LogFile {
  file: string;
  size: number;
  mtimeMs: number;
}

/** The log file and its rotated siblings (`atom.old.log`, `atom.1.log`), the current one first, then newest first. */
export async function logFiles(logPath: string): Promise<LogFile[]> {
  const dir = path.dirname(logPath);
  const { name, ext, base } = path.parse(logPath);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const found: LogFile[] = [];
  for (const entry of names) {
    if (entry !== base && !(entry.startsWith(`${name}.`) && entry.endsWith(ext))) continue;
    try {
      const info = await stat(path.join(dir, entry));
      if (info.isFile()) found.push({ file: path.join(dir, entry), size: info.size, mtimeMs: info.mtimeMs });
    } catch {
      /* rotated away meanwhile */
    }
  }
  return found.sort((a, b) => Number(path.basename(b.file) === base) - Number(path.basename(a.file) === base) || b.mtimeMs - a.mtimeMs);
}

/**
 * The last `bytes` of a file, read in chunks and scrubbed line by line. A tail that starts inside
 * a line drops that line: a secret cut in half would not be recognised.
 */
export async function scrubbedTail(file: string, size: number, bytes: number, forms: readonly string[]): Promise<Buffer> {
  const start = Math.max(0, size - bytes);
  if (size === 0 || bytes <= 0) return Buffer.alloc(0);
  const decoder = new StringDecoder('utf8');
  const out: Buffer[] = [];
  let pending = '';
  let skipping = start > 0;
  for await (const chunk of createReadStream(file, { start, end: size - 1, highWaterMark: 64 * 1024 })) {
    pending += decoder.write(chunk as Buffer);
    if (skipping) {
      const newline = pending.indexOf('\n');
      if (newline === -1) {
        pending = '';
        continue;
      }
      pending = pending.slice(newline + 1);
      skipping = false;
    }
    const lastNewline = pending.lastIndexOf('\n');
    if (lastNewline === -1) continue;
    out.push(Buffer.from(redact(pending.slice(0, lastNewline + 1), forms)));
    pending = pending.slice(lastNewline + 1);
  }
  pending += decoder.end();
  if (!skipping && pending) out.push(Buffer.from(redact(pending, forms)));
  return Buffer.concat(out);
}
