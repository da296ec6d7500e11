import { fail, ok, type Result } from './result.ts';

/** A serial number in its canonical form, `NN-NNNN-NNNN` (e.g. `54-0562-0293`). */
export type SerialNumber = string & { readonly __brand: 'SerialNumber' };

const CANONICAL = /^\d{2}-\d{4}-\d{4}$/;

/**
 * Reads a serial number the way people type it: with or without dashes, with spaces, dots or
 * slashes between groups. Exactly ten digits are required.
 */
export function parseSerialNumber(input: string): Result<SerialNumber> {
  const trimmed = input.trim();
  if (trimmed === '') {
    return fail('Enter the serial number, e.g. 54-0562-0293.');
  }
  if (/[^0-9\s\-./]/.test(trimmed)) {
    return fail(
      'A serial number has only digits, in the form NN-NNNN-NNNN (e.g. 54-0562-0293); check for letters or other characters.',
    );
  }
  const digits = trimmed.replace(/[\s\-./]/g, '');
  if (digits.length !== 10) {
    return fail(
      `A serial number has 10 digits, in the form NN-NNNN-NNNN (e.g. 54-0562-0293); this one has ${digits.length}.`,
    );
  }
  return ok(formatSerialDigits(digits));
}

/** Whether the text is already a canonical serial number. */
export function isCanonicalSerialNumber(text: string): text is SerialNumber {
  return CANONICAL.test(text);
}

/** Formats ten digits as `NN-NNNN-NNNN`. */
export function formatSerialDigits(digits: string): SerialNumber {
  return `${digits.slice(0, 2)}-${digits.slice(2, 6)}-${digits.slice(6, 10)}` as SerialNumber;
}
