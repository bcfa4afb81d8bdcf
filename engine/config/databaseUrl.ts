/**
 * ATOM_DATABASE_URL: checked with the rest of the settings at start, and shown only with its
 * password hidden.
 */
import { ConfigError } from './errors.js';

/** The setting every message here names, so an operator knows what to fix. */
export const DATABASE_URL_SETTING = 'ATOM_DATABASE_URL';

const EXAMPLE = 'postgres://user:password@host:5432/database';
const SSL_MODES = new Set(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']);
/** Query parameters node-postgres reads a secret from. */
const SECRET_PARAMS = ['password', 'sslpassword'];

export interface DatabaseTarget {
  /** The string to hand to node-postgres; it may hold a password: never log or return it. */
  readonly connectionString: string;
  /** A host name, an address, or a socket folder (`?host=/run/postgresql`). */
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string | null;
  readonly sslmode: string | null;
  /** The URL with its password hidden, fit for a log line, the API or a support bundle. */
  readonly redacted: string;
}

function fail(message: string): never {
  throw new ConfigError(DATABASE_URL_SETTING, `${DATABASE_URL_SETTING} ${message}`);
}

/** Checks a PostgreSQL URL up front; every error is one line naming the setting, never echoing a password. */
export function parseDatabaseUrl(value: string): DatabaseTarget {
  const text = value.trim();
  if (text === '') fail(`is empty: set it to ${EXAMPLE}`);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    fail(`is not a valid URL: expected ${EXAMPLE}`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    fail(`must start with postgres:// or postgresql:// (got ${parsed.protocol.slice(0, 20)}//): expected ${EXAMPLE}`);
  }
  const redacted = redactDatabaseUrl(text);
  let database: string;
  let host: string;
  try {
    database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    host = parsed.searchParams.get('host') ?? decodeURIComponent(parsed.hostname.replace(/^\[(.+)\]$/, '$1'));
  } catch {
    fail(`has a malformed %-escape (${redacted}): encode special characters of the password with encodeURIComponent`);
  }
  if (database === '') fail(`names no database (${redacted}): add it after the host, as in ${EXAMPLE}`);
  if (database.includes('/')) fail(`has more than one path segment (${redacted}): the path is the database name alone`);
  if (host === '') fail(`names no host (${redacted}): expected ${EXAMPLE}`);
  const portText = parsed.searchParams.get('port') ?? parsed.port;
  const port = portText === '' ? 5432 : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) fail(`has an invalid port (${redacted}): expected 1-65535`);
  const sslmode = parsed.searchParams.get('sslmode');
  if (sslmode !== null && !SSL_MODES.has(sslmode)) {
    fail(`has sslmode=${sslmode.slice(0, 20)}, which is not one of ${[...SSL_MODES].join(', ')}`);
  }
  const user = parsed.searchParams.get('user') ?? (parsed.username ? safeDecode(parsed.username) : null);
  return { connectionString: text, host, port, database, user, sslmode, redacted };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The URL with the password (in the authority or a query parameter) replaced by `***`; the user stays. */
export function redactDatabaseUrl(value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value.trim());
  } catch {
    return '(an unparsable URL)';
  }
  if (parsed.password) parsed.password = '***';
  // Edited in place rather than through searchParams, which would re-encode the other parameters.
  if (parsed.search) parsed.search = parsed.search.replace(/([?&](?:password|sslpassword)=)[^&]*/gi, '$1***');
  return parsed.toString();
}

/** The secret parts of a URL (password, raw and decoded; password query parameters), for masking. */
export function databaseUrlSecrets(url: string): string[] {
  const secrets: string[] = [];
  try {
    const parsed = new URL(url.trim());
    if (parsed.password) secrets.push(parsed.password, safeDecode(parsed.password));
    for (const name of SECRET_PARAMS) {
      const v = parsed.searchParams.get(name);
      if (v) secrets.push(v, encodeURIComponent(v));
    }
  } catch {
    /* an unparsable URL holds nothing to mask */
  }
  return secrets.filter((secret) => secret.length > 0 && secret !== '***');
}
