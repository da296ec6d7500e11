import { resolve } from 'node:path';
import { restoreDatabaseBackup } from '../cloud/database-backup.ts';
import { UsageError, type Command } from './command.ts';
import { parseArgs } from 'node:util';

const usage = `Usage: latchkey restore FILE --data DIR [--master-key-file KEYFILE]

Restores a file written by "latchkey backup" into DIR, a data folder that is empty or does not
exist yet; then "latchkey serve --data DIR" runs the restored cloud (and applies the migrations
of this version, if the backup is older).

Before anything is written, FILE is checked: a sound SQLite database (PRAGMA integrity_check),
a Latchkey one (its migrations table), not newer than this program; and the master key must be
the one of the cloud it comes from. DIR is made owner-only, as latchkey serve makes it.

Options:
  --data DIR              The new data folder (required; refused unless empty)
  --master-key-file KEYFILE
                          The master.key kept with the backup: checked, then copied into
                          DIR/master.key (0600)
  -h, --help              Show this help

Environment:
  LATCHKEY_MASTER_KEY     The cloud's key, when its nodes take it from the environment (it is
                          checked, and not written; serve the restored cloud with it set)

Exit status: 0 when restored, 1 when refused (nothing written; the message says why).`;

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'Restore a backup into an empty data folder.',
  usage,
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        options: { data: { type: 'string' }, 'master-key-file': { type: 'string' } },
        strict: true,
        allowPositionals: true,
      });
    } catch (error) {
      throw new UsageError((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) {
      throw new UsageError(
        'give one backup FILE, e.g. latchkey restore latchkey-backup.db --data data.',
      );
    }
    if (values.data === undefined) {
      throw new UsageError('--data is required: the empty folder to restore into.');
    }
    const keyFile = values['master-key-file'];
    const result = await restoreDatabaseBackup({
      file: resolve(positionals[0]!),
      dataDir: resolve(values.data),
      masterKeyFile: keyFile === undefined ? undefined : resolve(keyFile),
    });
    console.log(
      `Restored into ${result.dataDir} (${result.migrations} migrations applied in the backup).`,
    );
    console.log(
      result.keyFileWritten
        ? `The master key is in ${result.dataDir}/master.key. Start it: latchkey serve --data ${result.dataDir}`
        : `Start it with the same LATCHKEY_MASTER_KEY: latchkey serve --data ${result.dataDir}`,
    );
    return 0;
  },
};
