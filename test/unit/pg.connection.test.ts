import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../engine/config/errors.js';
import { describePgError, parseDatabaseUrl, redactDatabaseUrl } from '../../engine/store/pg/connection.js';

const SECRET = 's3cr3t-p@ss';
const URL_WITH_SECRET = `postgres://atom:${encodeURIComponent(SECRET)}@db.example:6432/atom_sync?sslmode=require`;

function configError(value: string): ConfigError {
  try {
    parseDatabaseUrl(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`accepted ${value}`);
}

describe('ATOM_DATABASE_URL validation', () => {
  it('reads host, port, database, user and sslmode', () => {
    expect(parseDatabaseUrl(URL_WITH_SECRET)).toMatchObject({
      connectionString: URL_WITH_SECRET,
      host: 'db.example',
      port: 6432,
      database: 'atom_sync',
      user: 'atom',
      sslmode: 'require',
      redacted: 'postgres://atom:***@db.example:6432/atom_sync?sslmode=require',
    });
    expect(parseDatabaseUrl('postgresql://[::1]/atom')).toMatchObject({ host: '::1', port: 5432, user: null, sslmode: null });
    expect(parseDatabaseUrl('postgres:///atom?host=/run/postgresql')).toMatchObject({ host: '/run/postgresql', database: 'atom' });
  });

  it.each([
    ['', /ATOM_DATABASE_URL is empty/],
    ['not a url', /ATOM_DATABASE_URL is not a valid URL/],
    [`mysql://atom:${SECRET}@db/atom`, /ATOM_DATABASE_URL must start with postgres:\/\/ or postgresql:\/\/ \(got mysql:\/\/\)/],
    [`postgres://atom:${SECRET}@db.example:5432`, /ATOM_DATABASE_URL names no database \(postgres:\/\/atom:\*\*\*@db\.example:5432\)/],
    [`postgres://atom:${SECRET}@db.example/`, /names no database/],
    ['postgres:///atom', /names no host/],
    ['postgres://db/a/b', /more than one path segment/],
    ['postgres://db/atom?sslmode=sometimes', /sslmode=sometimes, which is not one of/],
    ['postgres://db:99999/atom', /not a valid URL|invalid port/],
  ])('refuses %j with one line naming the setting', (value, message) => {
    const error = configError(value);
    expect(error.variable).toBe('ATOM_DATABASE_URL');
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(encodeURIComponent(SECRET));
    expect(error.message).not.toMatch(/\n/);
  });
});

describe('redactDatabaseUrl', () => {
  it('hides the password in the authority and in query parameters, and keeps the rest', () => {
    expect(redactDatabaseUrl(URL_WITH_SECRET)).toBe('postgres://atom:***@db.example:6432/atom_sync?sslmode=require');
    expect(redactDatabaseUrl(`postgres://db/atom?user=atom&password=${SECRET}&host=/run/pg`)).toBe('postgres://db/atom?user=atom&password=***&host=/run/pg');
    expect(redactDatabaseUrl(`postgres://db/atom?sslpassword=${SECRET}`)).toBe('postgres://db/atom?sslpassword=***');
    expect(redactDatabaseUrl('postgres://atom@db/atom')).toBe('postgres://atom@db/atom');
    expect(redactDatabaseUrl(`::${SECRET}::`)).toBe('(an unparsable URL)');
  });
});

describe('describePgError', () => {
  const at = (code: string, message = 'x', extra: Record<string, unknown> = {}) => describePgError(Object.assign(new Error(message), { code }, extra), URL_WITH_SECRET);

  it.each([
    ['28P01', 'password authentication failed for user "atom"', 'auth', /rejected the password of user "atom"/],
    ['28000', 'role "atom" does not exist', 'auth', /has no user "atom"/],
    ['28000', 'no pg_hba.conf entry for host "10.0.0.1", user "atom", database "atom_sync", no encryption', 'tls', /accepts only encrypted connections: add \?sslmode=require/],
    ['28000', 'no pg_hba.conf entry for host "10.0.0.1", user "atom", database "atom_sync", SSL encryption', 'rejected', /does not allow user "atom" on database "atom_sync"/],
    ['3D000', 'database "atom_sync" does not exist', 'no_database', /has no database "atom_sync": create it/],
    ['42501', 'permission denied for database atom_sync', 'permission', /may not connect/],
    ['53300', 'sorry, too many clients already', 'unavailable', /too many connections/],
    ['57P03', 'the database system is starting up', 'unavailable', /starting up/],
    ['ECONNREFUSED', 'connect ECONNREFUSED', 'unreachable', /nothing accepts connections at db\.example:6432/],
    ['ETIMEDOUT', 'connect ETIMEDOUT', 'unreachable', /could not be reached \(ETIMEDOUT\)/],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND db.example', 'unknown_host', /the host "db\.example" could not be resolved/],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain', 'tls', /TLS certificate .* was not accepted/],
    ['', 'The server does not support SSL connections', 'tls', /does not support TLS/],
    ['', 'timeout expired', 'unreachable', /did not answer in time/],
    ['', 'SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string', 'auth', /asks user "atom" for a password/],
  ])('%s %s is %s', (code, message, kind, text) => {
    const error = at(code, message);
    expect(error.kind).toBe(kind);
    expect(error.variable).toBe('ATOM_DATABASE_URL');
    expect(error.message).toMatch(/^ATOM_DATABASE_URL \(postgres:\/\/atom:\*\*\*@db\.example:6432\/atom_sync\?sslmode=require\): /);
    expect(error.message).toMatch(text);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(encodeURIComponent(SECRET));
  });

  it('reads the code inside an AggregateError from a host with several addresses', () => {
    const aggregate = new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:6432'), { code: 'ECONNREFUSED' })], '');
    expect(describePgError(aggregate, URL_WITH_SECRET).kind).toBe('unreachable');
  });

  it('keeps an unknown error to one line and masks a password the driver might quote', () => {
    const error = at('XX000', `internal error near ${SECRET}\nsecond line ${SECRET}`);
    expect(error.kind).toBe('other');
    expect(error.message).toMatch(/could not connect to PostgreSQL at db\.example:6432 \(XX000\): internal error near \*\*\*$/);
    expect(describePgError('a string', URL_WITH_SECRET).message).toMatch(/: a string$/);
    expect(describePgError(null, 'nonsense').message).toMatch(/ATOM_DATABASE_URL is not a valid URL/);
  });
});
