import { DATABASE_URL_SETTING, databaseUrlSecrets, parseDatabaseUrl, type DatabaseTarget } from '../../config/databaseUrl.js';

export { DATABASE_URL_SETTING, parseDatabaseUrl, redactDatabaseUrl, type DatabaseTarget } from '../../config/databaseUrl.js';

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
  const secrets = databaseUrlSecrets(url);
  let out = message;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}
