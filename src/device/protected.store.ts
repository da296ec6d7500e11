import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { removeStaleTempFiles, writeFileAtomic } from './atomic-file.ts';
import { DeviceStartError, type DeviceIdentity } from './identity.store.ts';

/**
 * The small store a factory reset never touches: which identity this data folder belongs to,
 * the security-code generation (never lowered) and the installed firmware version. Kept apart
 * from the configuration XML so that neither a reset nor a restore can change them.
 */
export interface ProtectedState {
  format: 1;
  serialNumber: string;
  codeGeneration: number;
  firmwareVersion: string;
}

const schema = z.object({
  format: z.literal(1),
  serialNumber: z.string(),
  codeGeneration: z.number().int().min(0),
  firmwareVersion: z.string().regex(/^\d+(\.\d+){1,4}$/),
});

export const FACTORY_FIRMWARE_VERSION = '2.40.0.45';
export const PROTECTED_FILE = 'protected.json';

export class ProtectedStore {
  #state: ProtectedState;
  #queue: Promise<unknown> = Promise.resolve();

  private readonly file: string;
  private constructor(file: string, state: ProtectedState) {
    this.file = file;
    this.#state = state;
  }

  static async open(dataDir: string, identity: DeviceIdentity): Promise<ProtectedStore> {
    const file = join(dataDir, PROTECTED_FILE);
    await removeStaleTempFiles(file);
    let text: string | null = null;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text === null) {
      const fresh: ProtectedState = {
        format: 1,
        serialNumber: identity.serialNumber,
        codeGeneration: 0,
        firmwareVersion: FACTORY_FIRMWARE_VERSION,
      };
      await writeFileAtomic(file, JSON.stringify(fresh, null, 2));
      return new ProtectedStore(file, fresh);
    }
    let parsed: ProtectedState;
    try {
      parsed = schema.parse(JSON.parse(text)) as ProtectedState;
    } catch {
      throw new DeviceStartError(
        `${file} is damaged. It holds the security-code generation; restore it from a copy of the data folder, or delete the folder to start as a new unit.`,
      );
    }
    if (parsed.serialNumber !== identity.serialNumber) {
      throw new DeviceStartError(
        `The data folder ${dataDir} belongs to device ${parsed.serialNumber}, not ${identity.serialNumber}. Use a separate --data folder for each device.`,
      );
    }
    return new ProtectedStore(file, parsed);
  }

  get state(): Readonly<ProtectedState> {
    return this.#state;
  }

  /**
   * Applies a change durably (atomic write) and only then makes it visible. `decided` hears the
   * new state once it is valid, before the write: for what may go out early (see
   * SecurityCodeService.generateNew).
   */
  update(
    change: (state: ProtectedState) => ProtectedState,
    decided?: (next: Readonly<ProtectedState>) => void,
  ): Promise<ProtectedState> {
    const run = this.#queue.then(async () => {
      const next = schema.parse(change({ ...this.#state })) as ProtectedState;
      if (next.codeGeneration < this.#state.codeGeneration) {
        throw new Error('The security-code generation is never lowered.');
      }
      decided?.(next);
      await writeFileAtomic(this.file, JSON.stringify(next, null, 2));
      this.#state = next;
      return next;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
