import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseSerialNumber, type SerialNumber } from '../core/serial.rules.ts';

/** What `latchkey mint` wrote for this unit: it never changes during the device's life. */
export interface DeviceIdentity {
  serialNumber: SerialNumber;
  model: string;
  macAddress: string;
  secret: Buffer;
}

/** A start-up problem a person can fix (missing file, bad content, port taken). */
export class DeviceStartError extends Error {
  override name = 'DeviceStartError';
}

const identitySchema = z.object({
  serialNumber: z.string(),
  model: z.string().min(1).max(64),
  macAddress: z
    .string()
    .regex(/^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/, 'a MAC address like 7C:1E:B3:00:00:01'),
  secret: z.string().regex(/^[0-9a-fA-F]{64}$/, '64 hex digits'),
});

/** Loads and checks identity.json; every failure says which file and what to do. */
export async function loadIdentity(file: string): Promise<DeviceIdentity> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new DeviceStartError(
        `The identity file ${file} does not exist. Create one with "latchkey mint --count 1 --out DIR" and pass DIR/<serial>/identity.json to --identity.`,
      );
    }
    throw new DeviceStartError(
      `The identity file ${file} cannot be read (${code ?? 'error'}); check its permissions.`,
    );
  }
  return parseIdentity(text, file);
}

export function parseIdentity(text: string, file = 'identity.json'): DeviceIdentity {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DeviceStartError(
      `The identity file ${file} is not valid JSON. Use the identity.json that "latchkey mint" wrote, unchanged.`,
    );
  }
  const parsed = identitySchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`)
      .join('; ');
    throw new DeviceStartError(
      `The identity file ${file} is malformed (${fields}). Use the identity.json that "latchkey mint" wrote, unchanged.`,
    );
  }
  const serial = parseSerialNumber(parsed.data.serialNumber);
  if (!serial.ok) {
    throw new DeviceStartError(
      `The identity file ${file} has a bad serialNumber: ${serial.message}`,
    );
  }
  return {
    serialNumber: serial.value,
    model: parsed.data.model,
    macAddress: parsed.data.macAddress.toUpperCase().replace(/-/g, ':'),
    secret: Buffer.from(parsed.data.secret, 'hex'),
  };
}
