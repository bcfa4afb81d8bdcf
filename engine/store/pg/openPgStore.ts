import type pg from 'pg';
import { PostgresError } from '../storeErrors.js';
import { DatabaseConnectionError, redactDatabaseUrl } from './connection.js';
import { migratePg } from './migrationsPg.js';
import { PgDb } from './pgDb.js';
import type { PgConnectionSettings, PgFailure } from './pgProtocol.js';
import { SyncPgConnection } from './syncPgConnection.js';

const MIGRATION_TIMEOUT_MS = 10 * 60_000;
const MIGRATION_SLACK_MS = 30_000;

/**
 * Opens the PostgreSQL store: starts the connection thread, connects, and applies the pending
 * migrations (refusing a newer schema, SchemaTooNewError naming ATOM_DATABASE_URL). A failure to
 * connect is a DatabaseConnectionError whose one line names the URL with its password hidden.
 */
export async function openPgStore(settings: Omit<PgConnectionSettings, 'applicationName'>): Promise<PgDb> {
  const connection = await SyncPgConnection.start({ ...settings, applicationName: 'atom-sync' });
  try {
    const client = migrationClient(connection);
    // A migration may rewrite a big table: it gets longer than a statement of a unit.
    await client.query(`SET statement_timeout = ${MIGRATION_TIMEOUT_MS}`);
    await migratePg(client, redactDatabaseUrl(settings.url));
    await client.query(`SET statement_timeout = ${Math.max(1, Math.floor(settings.statementTimeoutMs))}`);
  } catch (error) {
    await connection.close();
    throw error;
  }
  return new PgDb(connection);
}

/** migratePg's client over the facade, pinned to one session: its transactions and lock live there. */
function migrationClient(connection: SyncPgConnection): Pick<pg.ClientBase, 'query'> {
  let session: number | undefined;
  const query = async (text: string, values: unknown[] = []) => {
    const reply = connection.query(text, values, { session, waitMs: MIGRATION_TIMEOUT_MS + MIGRATION_SLACK_MS });
    if (!reply.ok) throw openError(reply.error);
    session = reply.session;
    const rows = reply.rows.map((row) => Object.fromEntries(reply.fields.map((field, i) => [field, row[i]])));
    return { rows, rowCount: reply.rowCount, command: reply.command, fields: [], oid: 0 };
  };
  return { query } as unknown as Pick<pg.ClientBase, 'query'>;
}

function openError(failure: PgFailure): Error {
  if (failure.reason === 'connect') return new DatabaseConnectionError((failure.connectKind ?? 'other') as DatabaseConnectionError['kind'], failure.message);
  return new PostgresError(failure.message, failure.reason, failure.code);
}
