import { resolve } from 'node:path';
import { writeDatabaseBackup } from '../cloud/database-backup.ts';
import { parseCommandArgs, UsageError, type Command } from './command.ts';
import { ProgressBar } from './progress.ts';

const usage = `Usage: latchkey backup --out FILE [--data DIR]

Writes a consistent copy of the cloud's SQLite database to FILE while latchkey serve keeps
running on it (SQLite's online backup API), with a progress bar on standard error. FILE is
written as FILE.partial, checked, synced to disk and then renamed: it is whole or absent, also
after a crash or Ctrl-C. It is owner-only (0600): it holds password hashes and e-mails.

The master key is never in the backup, only its check value: keep the key (LATCHKEY_MASTER_KEY,
or <data>/master.key) with the backup, apart from it. "latchkey restore" needs both.

Options:
  --out FILE         Where to write the backup
  --data DIR         The cloud's data folder (default ./data)
  --database URL     sqlite:/path/file.db for a database outside the data folder; a
                     postgres://… URL is refused: back PostgreSQL up with pg_dump
                     (docs/operations/backup.md)
  --force            Replace FILE if it exists
  -h, --help         Show this help

Exit status: 0 when FILE is written, 1 when nothing was (the message says why), 130 on Ctrl-C.`;

/** Ctrl-C or SIGTERM while the copy runs: abandon it at the next step (the partial file goes). */
function interruptible() {
  let stoppedBy: NodeJS.Signals | null = null;
  const stop = (signal: NodeJS.Signals) => (stoppedBy = signal);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    check() {
      if (stoppedBy !== null) throw new Interrupted(stoppedBy);
    },
    release() {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    },
  };
}

class Interrupted extends Error {
  override name = 'Interrupted';
  constructor(signal: NodeJS.Signals) {
    super(`stopped by ${signal}; nothing was written.`);
  }
}

export const backupCommand: Command = {
  name: 'backup',
  summary: 'Back up the SQLite database while the cloud runs.',
  usage,
  async run(argv) {
    const args = parseCommandArgs(argv, {
      out: { type: 'string' },
      data: { type: 'string' },
      database: { type: 'string' },
      force: { type: 'boolean' },
    });
    if (args.out === undefined) {
      throw new UsageError('--out is required, e.g. --out latchkey-backup.db.');
    }
    const dataDir = resolve(args.data ?? 'data');
    const signals = interruptible();
    let bar: ProgressBar | null = null;
    let copied = 0;
    try {
      const result = await writeDatabaseBackup({
        dataDir,
        databaseUrl: args.database,
        out: resolve(args.out),
        force: args.force ?? false,
        onStep(progress) {
          signals.check();
          const done = progress.totalPages - progress.remainingPages;
          // A restart (the database changed between steps) starts a new bar.
          if (bar === null || done < copied) {
            bar?.finish();
            bar = new ProgressBar('Copying pages', progress.totalPages);
            copied = 0;
          }
          bar.tick(done - copied);
          copied = done;
        },
      });
      (bar as ProgressBar | null)?.finish();
      console.log(
        `Backup written to ${result.out} (${result.bytes} bytes, ${result.pages} pages).`,
      );
      console.log(
        `The master key is not in it. Keep the key with the backup, stored apart from it: it is ${result.keyOrigin === 'LATCHKEY_MASTER_KEY' ? 'the LATCHKEY_MASTER_KEY of the cloud' : result.keyOrigin}. Without it the backup cannot be restored.`,
      );
      if (result.keyFits === false) {
        console.log(
          `Warning: that key is not the one this database was started with; find the key its nodes use.`,
        );
      } else if (result.keyFits === null) {
        console.log(
          `Warning: there is no key at ${result.keyOrigin}: the cloud's nodes have it in LATCHKEY_MASTER_KEY.`,
        );
      }
      return 0;
    } catch (error) {
      if (error instanceof Interrupted) {
        console.error(`latchkey backup: ${error.message}`);
        return 130;
      }
      throw error;
    } finally {
      signals.release();
    }
  },
};
