import { resolve } from 'node:path';
import { migrateDatabase } from '../cloud/store/store.ts';
import { parseCommandArgs, type Command } from './command.ts';

const usage = `Usage: latchkey migrate [--data DIR | --database URL]

Brings the database's schema up to the version of this program, without serving it, and
prints the migrations it applied (none when it is up to date). For upgrades: run it once with
the new version before its nodes start (latchkey serve migrates too, at start). Several nodes
may run it at once on PostgreSQL: a lock lets each migration run once.

Options:
  --data DIR         The cloud's data folder, for SQLite (default ./data)
  --database URL     postgres://… (or sqlite:/path/file.db)
  -h, --help         Show this help`;

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply database migrations without serving.',
  usage,
  async run(argv) {
    const args = parseCommandArgs(argv, { data: { type: 'string' }, database: { type: 'string' } });
    const { applied, dialect } = await migrateDatabase({
      dataDir: resolve(args.data ?? 'data'),
      databaseUrl: args.database,
    });
    for (const name of applied) console.log(`applied ${name}`);
    console.log(
      applied.length === 0
        ? `${dialect.description}: up to date, no migration to apply.`
        : `${dialect.description}: ${applied.length} migrations applied.`,
    );
    return 0;
  },
};
