import type { Compilable, CompiledQuery, Insertable, QueryResult } from 'kysely';
import type { Database, Executor } from './schema.ts';

/** Where an argument goes; `build` receives these instead of the values. */
class Slot {
  readonly index: number;
  constructor(index: number) {
    this.index = index;
  }
}

interface Compiled {
  query: CompiledQuery;
  /** For each parameter of the SQL: the argument it takes, or the constant it keeps. */
  parameters: (Slot | { constant: unknown })[];
}

/**
 * A query that Kysely builds and compiles once per database, then only runs with new values.
 * Kysely builds and compiles every query anew, frozen node by frozen node; on the claim path
 * that was about a sixth of the server's CPU (bench/NOTES.md).
 *
 * `build` gets stand-ins for the arguments and may use each only as a value (a parameter of
 * the SQL), never to decide the query's shape: a shape that depends on the arguments (a row
 * count, a list) needs one prepared query per shape.
 */
export function prepared<A extends unknown[], O>(
  build: (db: Executor, ...args: A) => Compilable<O>,
): (db: Executor, ...args: A) => Promise<QueryResult<O>> {
  // Per database (its adapter), as the SQL text differs between dialects.
  const byAdapter = new WeakMap<object, Compiled>();
  return async (db, ...args) => {
    const adapter = db.getExecutor().adapter;
    let compiled = byAdapter.get(adapter);
    if (!compiled) {
      const slots = args.map((_, i) => new Slot(i));
      const query = build(db, ...(slots as A)).compile();
      const parameters = query.parameters.map((value) =>
        value instanceof Slot ? value : { constant: value },
      );
      if (slots.some((slot) => !parameters.includes(slot))) {
        throw new Error(`a prepared query must pass every argument as a value: ${query.sql}`);
      }
      compiled = { query, parameters };
      byAdapter.set(adapter, compiled);
    }
    const parameters = compiled.parameters.map((parameter) =>
      parameter instanceof Slot ? args[parameter.index] : parameter.constant,
    );
    return db.executeQuery<O>({ ...compiled.query, parameters });
  };
}

// Rows per statement: SQLite binds at most 32,766 values, and capping the row count also caps
// how many shapes (row counts) each table gets compiled for.
const MAX_ROWS_PER_INSERT = 100;

/**
 * A prepared multi-row insert into `table`, one statement per row count and set of columns;
 * more rows than one statement takes are inserted in slices.
 */
export function preparedInsert<T extends keyof Database & string>(table: T) {
  const byShape = new Map<string, (db: Executor, ...values: unknown[]) => Promise<unknown>>();
  const insertSlice = async (db: Executor, rows: readonly Insertable<Database[T]>[]) => {
    const columns = Object.keys(rows[0]!);
    const shape = `${rows.length}:${columns.join(',')}`;
    let insert = byShape.get(shape);
    if (!insert) {
      insert = prepared((builder: Executor, ...values: unknown[]) =>
        builder
          .insertInto(table)
          .values(
            rows.map((_, r) =>
              Object.fromEntries(columns.map((c, i) => [c, values[r * columns.length + i]])),
            ) as never,
          ),
      );
      byShape.set(shape, insert);
    }
    await insert(
      db,
      ...rows.flatMap((row) => columns.map((c) => (row as Record<string, unknown>)[c])),
    );
  };
  return async (db: Executor, rows: readonly Insertable<Database[T]>[]) => {
    for (let i = 0; i < rows.length; i += MAX_ROWS_PER_INSERT) {
      await insertSlice(db, rows.slice(i, i + MAX_ROWS_PER_INSERT));
    }
  };
}
