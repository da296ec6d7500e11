/**
 * The emulator's firmware image format, so that /api/firmware can check what it is given:
 *
 *   LATCHKEY-FW/1\n
 *   model: 2N IP Verso\n
 *   version: 2.41.0.12\n
 *   \n
 *   <payload: any bytes, ignored>
 *
 * The header is ASCII, at most 1 KiB; `model` must name this device's model and `version` has
 * two to five dot-separated numbers. `makeFirmwareImage` builds one (tests, demos).
 */
export const FIRMWARE_MAGIC = 'LATCHKEY-FW/1\n';
export const MAX_FIRMWARE_BYTES = 32 * 1024 * 1024;
export const FIRMWARE_HEADER_BYTES = 1024;

export interface FirmwareHeader {
  model: string;
  version: string;
}

export function makeFirmwareImage(
  header: FirmwareHeader,
  payload: Buffer = Buffer.alloc(64),
): Buffer {
  return Buffer.concat([
    Buffer.from(`${FIRMWARE_MAGIC}model: ${header.model}\nversion: ${header.version}\n\n`, 'ascii'),
    payload,
  ]);
}

export function readFirmwareHeader(image: Buffer): FirmwareHeader | null {
  const head = image.subarray(0, FIRMWARE_HEADER_BYTES).toString('latin1');
  if (!head.startsWith(FIRMWARE_MAGIC)) return null;
  const end = head.indexOf('\n\n');
  if (end < 0) return null;
  const fields = new Map<string, string>();
  for (const line of head.slice(FIRMWARE_MAGIC.length, end).split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const model = fields.get('model');
  const version = fields.get('version');
  if (!model || !version || !/^\d+(\.\d+){1,4}$/.test(version)) return null;
  return { model, version };
}

/** Compares dotted versions numerically: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
