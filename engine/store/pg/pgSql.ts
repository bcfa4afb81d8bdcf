/**
 * Statements as the repositories write them (better-sqlite3's parameters) in the form
 * node-postgres sends: `?` and `@name` / `:name` / `$name` become `$1..$n`, and an INSERT into a
 * table keyed by an integer id returns that id, which SQLite gives as lastInsertRowid.
 */

/** Tables whose `id` is an integer the database assigns (SQLite's INTEGER PRIMARY KEY). */
const ROWID_TABLES = new Set(['sync_runs', 'sync_conflicts', 'failed_rating_uploads']);

export interface PgStatementText {
  /** The statement in PostgreSQL's placeholders. */
  readonly text: string;
  /** Named parameters in placeholder order; null for positional ones. */
  readonly names: readonly string[] | null;
  /** How many positional values the statement takes. */
  readonly positional: number;
  /** RETURNING id was added: the first row's id is lastInsertRowid. */
  readonly returnsId: boolean;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT = /[A-Za-z0-9_]/;

export function translateSql(sql: string): PgStatementText {
  let out = '';
  let positional = 0;
  const names: string[] = [];
  for (let i = 0; i < sql.length; ) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      // A literal or a quoted name, with its doubled quotes, copied as it is.
      let j = i + 1;
      for (; j < sql.length; j++) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) j++;
          else break;
        }
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const j = end === -1 ? sql.length : end;
      out += sql.slice(i, j);
      i = j;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      const j = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, j);
      i = j;
    } else if (c === ':' && next === ':') {
      out += '::'; // a cast, not a parameter
      i += 2;
    } else if (c === '?') {
      out += `$${++positional}`;
      i++;
    } else if ((c === '@' || c === ':' || c === '$') && next !== undefined && IDENT_START.test(next)) {
      let j = i + 1;
      while (j < sql.length && IDENT.test(sql[j]!)) j++;
      const name = sql.slice(i + 1, j);
      let index = names.indexOf(name);
      if (index === -1) index = names.push(name) - 1;
      out += `$${index + 1}`;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  if (positional > 0 && names.length > 0) throw new TypeError('a statement takes positional or named parameters, not both');
  const insert = /^\s*INSERT\s+INTO\s+(\w+)/i.exec(out);
  const returnsId = insert !== null && ROWID_TABLES.has(insert[1]!.toLowerCase()) && !/\bRETURNING\b/i.test(out);
  const text = returnsId ? `${out.replace(/[\s;]+$/, '')} RETURNING id` : out;
  return { text, names: names.length > 0 ? names : null, positional, returnsId };
}

/** The values for a statement's placeholders, from arguments given as better-sqlite3 takes them. */
export function bindValues(statement: PgStatementText, args: readonly unknown[]): unknown[] {
  if (statement.names) {
    const named = args[0];
    if (args.length !== 1 || named === null || typeof named !== 'object' || Array.isArray(named)) {
      throw new TypeError('this statement takes its named parameters as one object');
    }
    return statement.names.map((name) => {
      if (!(name in named)) throw new RangeError(`Missing named parameter "${name}"`);
      return value((named as Record<string, unknown>)[name]);
    });
  }
  const values: unknown[] = [];
  for (const arg of args) {
    if (Array.isArray(arg)) for (const v of arg) values.push(value(v));
    // An object of named values for a statement that names none (as `{}` is, when a filter is empty).
    else if (isNamedValues(arg)) continue;
    else values.push(value(arg));
  }
  if (values.length !== statement.positional) {
    const which = values.length < statement.positional ? 'Too few' : 'Too many';
    throw new RangeError(`${which} parameter values were provided (${values.length} for ${statement.positional}: ${statement.text.slice(0, 80).replace(/\s+/g, ' ')})`);
  }
  return values;
}

/** What SQLite would store: undefined is NULL, a bigint its digits; nothing is turned into JSON. */
function value(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') throw new TypeError('SQLite3 can only bind numbers, strings, bigints, buffers, and null');
  return v;
}

function isNamedValues(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Buffer.isBuffer(v) && !ArrayBuffer.isView(v);
}
