import pg from 'pg';

// PostgreSQL: "cached plan must not change result type", when a table under a prepared
// `select *` gained or lost columns (a migration by another node) since it was prepared.
const RESULT_TYPE_CHANGED = '0A000';

/**
 * A connection class that runs the store's statements as named prepared statements: PostgreSQL
 * parses and plans each once per connection instead of on every run (protocol "Extended
 * Query": Parse once, then Bind and Execute). A claim's read joins five tables, and planning it
 * took three times as long as running it.
 *
 * Statements are named by their text, the first `capacity` texts only, so queries that differ
 * by more than their values (lists of varying length) cannot fill the server's memory.
 */
export function namedStatementsClient(capacity = 100): typeof pg.Client {
  const names = new Map<string, string>();
  let next = 0;
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (name === undefined && names.size < capacity) {
      name = `latchkey_${next++}`;
      names.set(text, name);
    }
    return name;
  };

  const forgetOnResultChange = (text: string, name: string, error: unknown) => {
    // Prepared again under a new name the next time; this run fails as it would have.
    if ((error as { code?: string }).code === RESULT_TYPE_CHANGED && names.get(text) === name)
      names.delete(text);
  };

  return class NamedStatementsClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      // A connection the server ends (a restart, pg_terminate_backend) while it is checked out
      // between statements emits 'error', and with no listener that ends the process
      // (node-postgres "Pool": errors of checked-out clients are the caller's). The client is
      // unusable after it: its next statement fails and the pool drops it on release.
      this.on('error', () => {});
    }

    // Kysely's driver calls query(text, values) and awaits the promise; pg's Pool#query
    // passes a callback third. Anything else (a config object, no values) runs as given.
    override query(...args: unknown[]): never {
      const [text, values, callback] = args;
      const name =
        typeof text === 'string' &&
        Array.isArray(values) &&
        // Statements without values (the migrations' DDL, run once) are not named: with issue
        // 19's tables the migrations alone took every one of the `capacity` names.
        values.length > 0 &&
        (args.length === 2 || (args.length === 3 && typeof callback === 'function'))
          ? nameOf(text)
          : undefined;
      if (name === undefined) return (super.query as (...a: unknown[]) => never)(...args);
      const config: pg.QueryConfig = { name, text: text as string, values: values as unknown[] };
      if (typeof callback === 'function') {
        return super.query(config, (error: Error | null, result: unknown) => {
          if (error) forgetOnResultChange(config.text, name, error);
          (callback as (e: Error | null, r: unknown) => void)(error, result);
        }) as never;
      }
      const running: Promise<unknown> = super.query(config);
      return running.catch((error: unknown) => {
        forgetOnResultChange(config.text, name, error);
        throw error;
      }) as never;
    }
  };
}
