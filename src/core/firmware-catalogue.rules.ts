import {
  FIRMWARE_HEADER_BYTES,
  FIRMWARE_MAGIC,
  readFirmwareHeader,
  type FirmwareHeader,
} from './firmware.format.ts';

/** As `latchkey mint --model` allows: a model is 1 to 64 printable characters. */
const MODEL = /^[\x20-\x7e]{1,64}$/;

export type ImageCheck = { ok: true; header: FirmwareHeader } | { ok: false; problem: string };

/**
 * Whether `image` may enter the catalogue (issue 19), and if not, what is wrong with it in words
 * a person can act on; the format is firmware.format.ts's. The size is checked before (32 MiB).
 */
export function checkFirmwareImage(image: Buffer): ImageCheck {
  const head = image.subarray(0, FIRMWARE_HEADER_BYTES).toString('latin1');
  if (!head.startsWith(FIRMWARE_MAGIC)) {
    return { ok: false, problem: 'The file does not start with the line LATCHKEY-FW/1.' };
  }
  if (head.indexOf('\n\n') < 0) {
    return {
      ok: false,
      problem: 'The header does not end with an empty line within its first 1 KiB.',
    };
  }
  const header = readFirmwareHeader(image);
  if (!header) {
    return {
      ok: false,
      problem:
        'The header needs a "model:" line and a "version:" line of two to five numbers separated by dots (e.g. 2.41.0.12).',
    };
  }
  if (!MODEL.test(header.model)) {
    return {
      ok: false,
      problem: 'The "model:" line must name the device model in 1 to 64 printable characters.',
    };
  }
  return { ok: true, header };
}
