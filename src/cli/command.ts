import { parseArgs, type ParseArgsConfig } from 'node:util';

/** One `latchkey` sub-command; each lives in its own file under src/cli. */
export interface Command {
  name: string;
  summary: string;
  /** The full `--help` text. */
  usage: string;
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Thrown for bad command-line input; main prints the message and the usage hint, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Parses a command's arguments strictly; unknown options and stray positionals become a
 * UsageError with a sentence that says what was wrong.
 */
export function parseCommandArgs<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

/** Reads a whole-number option, with a clear error when it is not one. */
export function intOption(
  value: string | undefined,
  name: string,
  fallback: number,
  range: { min: number; max: number },
): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < range.min || parsed > range.max) {
    throw new UsageError(
      `--${name} must be a whole number from ${range.min} to ${range.max}, got "${value}".`,
    );
  }
  return parsed;
}

/** `--api-account NAME:PASSWORD` of the device commands (the password is never echoed back). */
export function parseApiAccount(value: string): { username: string; password: string } {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) {
    throw new UsageError(
      `--api-account must be NAME:PASSWORD (e.g. integrator:s3cret), got "${value.replace(/:.*/, ':…')}".`,
    );
  }
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}
