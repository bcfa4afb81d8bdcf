import { ConfigError } from '../../config/errors.js';

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

export type DatabaseErrorKind =
  | 'auth'
  | 'no_database'
  | 'unreachable'
  | 'unknown_host'
  | 'tls'
  | 'rejected'
  | 'unavailable'
  | 'permission'
  | 'other';

/** A failure to reach or log in to PostgreSQL, as one plain line naming ATOM_DATABASE_URL. */
export class DatabaseConnectionError extends Error {
  readonly variable = DATABASE_URL_SETTING;
  constructor(
    readonly kind: DatabaseErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'DatabaseConnectionError';
  }
}

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
}

/** Node reports a failed connect to every address of a name as an AggregateError of the tries. */
function firstCode(error: ErrorLike): string {
  if (typeof error.code === 'string') return error.code;
  if (Array.isArray(error.errors)) {
    for (const inner of error.errors as ErrorLike[]) if (typeof inner?.code === 'string') return inner.code;
  }
  return '';
}

const TLS_CERT_CODES = /^(CERT_|ERR_TLS_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_SSL_)/;

/**
 * Maps a connection failure from node-postgres (or the socket under it) to one line an operator can
 * act on. The password is never part of it: the message is built from the redacted URL and the
 * error's code, and any stray copy of the password in the driver's text is masked as well.
 */
export function describePgError(error: unknown, url: string): DatabaseConnectionError {
  let target: DatabaseTarget | null = null;
  try {
    target = parseDatabaseUrl(url);
  } catch (invalid) {
    return new DatabaseConnectionError('other', (invalid as Error).message);
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const code = firstCode(e);
  const text = typeof e.message === 'string' ? e.message : String(error);
  const where = `${target.host}:${target.port}`;
  const who = target.user ? `user "${target.user}"` : 'the default user';
  const db = `database "${target.database}"`;
  const say = (kind: DatabaseErrorKind, what: string) =>
    new DatabaseConnectionError(kind, `${DATABASE_URL_SETTING} (${target.redacted}): ${what}`.replace(/[\r\n]+/g, ' '));

  switch (code) {
    case '28P01':
      return say('auth', `PostgreSQL at ${where} rejected the password of ${who}: check the user and password in the URL`);
    case '28000':
      if (/no pg_hba\.conf entry/i.test(text) && /no encryption/i.test(text)) {
        return say('tls', `PostgreSQL at ${where} accepts only encrypted connections: add ?sslmode=require (or verify-full) to the URL`);
      }
      if (/no pg_hba\.conf entry/i.test(text)) {
        return say('rejected', `PostgreSQL at ${where} does not allow ${who} on ${db} from this host (pg_hba.conf)`);
      }
      if (/role .* does not exist/i.test(text)) return say('auth', `PostgreSQL at ${where} has no ${who}: check the user in the URL`);
      return say('auth', `PostgreSQL at ${where} refused ${who}: check the user and password in the URL`);
    case '3D000':
      return say('no_database', `PostgreSQL at ${where} has no ${db}: create it (createdb ${target.database}) or fix the name in the URL`);
    case '42501':
      return say('permission', `${who} may not connect to ${db} at ${where}: grant CONNECT or use another user`);
    case '53300':
      return say('unavailable', `PostgreSQL at ${where} has no free connection slots (too many connections): retrying later`);
    case '57P03':
      return say('unavailable', `PostgreSQL at ${where} is starting up or shutting down: retrying later`);
    case 'ECONNREFUSED':
      return say('unreachable', `nothing accepts connections at ${where}: is PostgreSQL running and listening there?`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return say('unreachable', `PostgreSQL at ${where} could not be reached (${code}): check the host, the port and the network`);
    case 'ECONNRESET':
    case 'EPIPE':
      return say('unreachable', `PostgreSQL at ${where} closed the connection (${code}): check the server and any proxy in between`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return say('unknown_host', `the host "${target.host}" could not be resolved (${code}): check the host name in the URL`);
    case 'ENOENT':
      return say('unreachable', `no PostgreSQL socket in ${target.host} for port ${target.port}: is the server running?`);
  }
  if (TLS_CERT_CODES.test(code)) {
    return say('tls', `the TLS certificate of PostgreSQL at ${where} was not accepted (${code}): set sslrootcert to its CA, or fix sslmode`);
  }
  if (/does not support SSL/i.test(text)) {
    return say('tls', `PostgreSQL at ${where} does not support TLS but the URL asks for it: remove sslmode or enable ssl on the server`);
  }
  if (/timeout expired|connection timeout/i.test(text)) {
    return say('unreachable', `PostgreSQL at ${where} did not answer in time: check the host, the port and the network`);
  }
  if (/client password must be a string|password must be a string/i.test(text)) {
    return say('auth', `PostgreSQL at ${where} asks ${who} for a password and the URL has none`);
  }
  if (/terminated unexpectedly/i.test(text)) {
    return say('unreachable', `PostgreSQL at ${where} closed the connection during login: check the server log`);
  }
  const detail = mask(text.split(/\r?\n/)[0]!.slice(0, 200), url);
  return say('other', `could not connect to PostgreSQL at ${where}${code ? ` (${code})` : ''}: ${detail}`);
}

/** Masks the password in the driver's own text, raw or %-encoded, should it ever quote it. */
function mask(message: string, url: string): string {
  const secrets: string[] = [];
  try {
    const parsed = new URL(url.trim());
    if (parsed.password) secrets.push(parsed.password, safeDecode(parsed.password));
    for (const name of SECRET_PARAMS) {
      const v = parsed.searchParams.get(name);
      if (v) secrets.push(v, encodeURIComponent(v));
    }
  } catch {
    /* an unparsable URL was never quoted */
  }
  let out = message;
  for (const secret of secrets) if (secret.length > 0 && secret !== '***') out = out.split(secret).join('***');
  return out;
}
