import type { Dialect } from './sqlDb.js';

/**
 * The few pieces of SQL that are written differently in SQLite and PostgreSQL, each giving the
 * same answer in both; everything else in the repositories is common SQL. Chosen once per
 * repository by the connection's dialect.
 */
export interface DialectSql {
  /**
   * An ISO-8601 timestamp column as a comparable instant, to the millisecond, NULL when it is not a
   * readable timestamp: mixed-precision text (`…:00Z` and `…:00.500Z`) orders right, as text would not.
   */
  instant(column: string): string;
  /** `expression DESC` with NULLs last, as SQLite sorts them (PostgreSQL puts them first). */
  descending(expression: string): string;
  /** `a IS b`, true also when both are NULL. */
  same(a: string, b: string): string;
  /** A column that must not steer the index choice (SQLite's unary +; the planner decides on PostgreSQL). */
  unindexed(column: string): string;
  /** SQLite's `INDEXED BY` hint; nothing on PostgreSQL. */
  indexedBy(index: string): string;
  /** A sub-select of the string elements of a JSON array given as text in `param`. */
  jsonArrayTexts(param: string): string;
  /** 1 when the JSON object in `column` holds a number under `key`, else 0 (NULL when the key is absent). */
  jsonHoldsNumber(column: string, key: string): string;
  /** AVG of an integer column as a double (the same rounding in both). */
  averageOf(column: string): string;
  /** The schema version the database records. */
  readonly schemaVersion: string;
}

const SQLITE: DialectSql = {
  instant: (column) => `julianday(${column})`,
  descending: (expression) => `${expression} DESC`,
  same: (a, b) => `${a} IS ${b}`,
  unindexed: (column) => `+${column}`,
  indexedBy: (index) => `INDEXED BY ${index}`,
  jsonArrayTexts: (param) => `SELECT value FROM json_each(${param})`,
  jsonHoldsNumber: (column, key) => `json_type(${column}, '$.${key}') IN ('integer', 'real')`,
  averageOf: (column) => `AVG(${column})`,
  schemaVersion: 'SELECT user_version FROM pragma_user_version',
};

const POSTGRES: DialectSql = {
  // atom_instant (migrationsPg.ts) reads what julianday reads, rounds to the millisecond as it
  // does, and gives NULL for text that is no timestamp instead of failing the statement.
  instant: (column) => `atom_instant(${column})`,
  descending: (expression) => `${expression} DESC NULLS LAST`,
  same: (a, b) => `${a} IS NOT DISTINCT FROM ${b}`,
  unindexed: (column) => column,
  indexedBy: () => '',
  jsonArrayTexts: (param) => `SELECT json_array_elements_text(CAST(${param} AS json))`,
  jsonHoldsNumber: (column, key) => `json_typeof(CAST(${column} AS json) -> '${key}') = 'number'`,
  // SQLite sums integers exactly and divides once in double precision: so does this.
  averageOf: (column) => `CAST(SUM(${column}) AS DOUBLE PRECISION) / COUNT(${column})`,
  schemaVersion: 'SELECT COALESCE(MAX(version), 0) FROM schema_migrations',
};

export function dialectSql(dialect: Dialect): DialectSql {
  return dialect === 'postgres' ? POSTGRES : SQLITE;
}
