/** Which database holds the store: a SQLite file, or a PostgreSQL database named by its URL. */
export type StoreDatabase = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** PostgreSQL's bounds: no statement runs longer, and no connect attempt waits longer. */
export const PG_STATEMENT_TIMEOUT_MS = 30_000;
export const PG_CONNECT_TIMEOUT_MS = 10_000;
