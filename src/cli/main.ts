import { UsageError, type Command } from './command.ts';

// Each command is loaded only when called, so `latchkey device` never loads the cloud.
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  serve: {
    summary: 'Run the cloud: REST API, portal and device link.',
    load: async () => (await import('./serve.ts')).serveCommand,
  },
  mint: {
    summary: 'Register new devices and write their identity files and certificates.',
    load: async () => (await import('./mint.ts')).mintCommand,
  },
  device: {
    summary: 'Run one emulated intercom.',
    load: async () => (await import('./device.ts')).deviceCommand,
  },
  fleet: {
    summary: 'Run every identity in a folder as an emulated device in one process.',
    load: async () => (await import('./fleet.ts')).fleetCommand,
  },
  claim: {
    summary: 'Add the devices of a CSV file to a site (issue 18, bulk add).',
    load: async () => (await import('./claim.ts')).claimCommand,
  },
  firmware: {
    summary: 'Add a firmware image to the catalogue (issue 19).',
    load: async () => (await import('./firmware.ts')).firmwareCommand,
  },
  backup: {
    summary: 'Back up the SQLite database while the cloud runs (issue 20).',
    load: async () => (await import('./backup.ts')).backupCommand,
  },
  restore: {
    summary: 'Restore a backup into an empty data folder (issue 20).',
    load: async () => (await import('./restore.ts')).restoreCommand,
  },
  migrate: {
    summary: 'Apply database migrations without serving (upgrades).',
    load: async () => (await import('./migrate.ts')).migrateCommand,
  },
  residents: {
    summary: 'Import residents from a CSV file into a site (issue 17).',
    load: async () => (await import('./residents.ts')).residentsCommand,
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return [
    'Usage: latchkey <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run "latchkey <command> --help" for the options of a command.',
  ].join('\n');
}

/** Runs the CLI and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = commands[name];
  if (!entry) {
    console.error(`latchkey: unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`latchkey ${name}: ${error.message}\nRun "latchkey ${name} --help" for usage.`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(`latchkey ${name}: ${message}`);
    return 1;
  }
}
