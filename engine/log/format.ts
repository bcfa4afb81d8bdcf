export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFields = Readonly<Record<string, unknown>>;

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) return JSON.stringify(value.message);
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /^[\w.:/@+?=&%,-]*$/.test(text) && text !== '' ? text : JSON.stringify(text);
}

/** One line per event: `2026-02-19T10:00:00.000Z INFO [sync] message key=value ...` */
export function formatLine(date: Date, level: LogLevel, scope: string, message: string, fields?: LogFields): string {
  let line = `${date.toISOString()} ${level.toUpperCase()} [${scope}] ${message}`;
  if (fields) {
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined) line += ` ${key}=${formatValue(value)}`;
    }
  }
  return line.replace(/[\r\n]+/g, ' ');
}

/** Replaces every occurrence of a secret (and its URL-encoded form) with `[redacted]`. */
export function redact(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    out = out.split(secret).join('[redacted]');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join('[redacted]');
  }
  return out;
}
