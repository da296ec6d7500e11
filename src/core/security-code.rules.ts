import { createHmac, timingSafeEqual } from 'node:crypto';
import { crockfordEncode, crockfordFold, isCrockford } from './crockford.codec.ts';
import { fail, ok, type Result } from './result.ts';
import type { SerialNumber } from './serial.rules.ts';

/** A security code in canonical form: 16 Crockford symbols, no dashes. */
export type SecurityCode = string & { readonly __brand: 'SecurityCode' };

/** DESIGN.md "Security codes": accepted generations are [known − 8, known + 32]. */
export const GENERATION_LOOK_BEHIND = 8;
export const GENERATION_LOOK_AHEAD = 32;
export const SECURITY_CODE_SYMBOLS = 16;
export const DEVICE_SECRET_BYTES = 32;

/**
 * code(g) = CrockfordBase32(HMAC-SHA256(secret, "security-code/" + serial + "/" + g)), first 16
 * symbols (80 bits). DESIGN.md "Security codes (normative)".
 */
export function deriveSecurityCode(
  secret: Uint8Array,
  serial: SerialNumber,
  generation: number,
): SecurityCode {
  if (!Number.isSafeInteger(generation) || generation < 0) {
    throw new RangeError(`code generation must be a whole number ≥ 0, got ${generation}`);
  }
  const mac = createHmac('sha256', secret).update(`security-code/${serial}/${generation}`).digest();
  return crockfordEncode(mac, SECURITY_CODE_SYMBOLS) as SecurityCode;
}

/** Shows a code as `XXXX-XXXX-XXXX-XXXX`, the way it is printed and displayed. */
export function formatSecurityCode(code: SecurityCode): string {
  return code.match(/.{4}/g)!.join('-');
}

/**
 * Reads a code the way people type it: any case, with or without dashes or spaces, with
 * Crockford's O → 0 and I/L → 1 folding.
 */
export function parseSecurityCode(input: string): Result<SecurityCode> {
  const compact = input.replace(/[\s-]/g, '');
  if (compact === '') {
    return fail('Enter the security code, e.g. ABCD-EFGH-JKMN-PQRS.');
  }
  const folded = crockfordFold(compact);
  if (!isCrockford(folded)) {
    const bad = [...folded].find((char) => !isCrockford(char));
    return fail(
      `A security code has only letters and digits (the letter U is never used); "${bad}" is not one of them.`,
    );
  }
  if (folded.length !== SECURITY_CODE_SYMBOLS) {
    return fail(
      `A security code has 16 letters and digits, in the form XXXX-XXXX-XXXX-XXXX; this one has ${folded.length}.`,
    );
  }
  return ok(folded as SecurityCode);
}

/** The generations a presented code is compared against, given the cloud's known generation. */
export function generationWindow(knownGeneration: number): { from: number; to: number } {
  return {
    from: Math.max(0, knownGeneration - GENERATION_LOOK_BEHIND),
    to: knownGeneration + GENERATION_LOOK_AHEAD,
  };
}

/**
 * Finds which generation a presented code belongs to, comparing in constant time against every
 * generation of the window (no early exit, so timing says nothing about which one matched).
 * Returns null when none matches.
 */
export function matchSecurityCode(
  secret: Uint8Array,
  serial: SerialNumber,
  presented: SecurityCode,
  knownGeneration: number,
): number | null {
  const { from, to } = generationWindow(knownGeneration);
  const presentedBytes = Buffer.from(presented, 'ascii');
  let matched: number | null = null;
  for (let generation = from; generation <= to; generation++) {
    const expected = Buffer.from(deriveSecurityCode(secret, serial, generation), 'ascii');
    if (timingSafeEqual(expected, presentedBytes) && matched === null) {
      matched = generation;
    }
  }
  return matched;
}

/**
 * The device's MQTT password (DESIGN.md "Link"): HMAC of its secret, so the cloud can check it
 * against the registry without the device ever sending the secret.
 */
export function deriveLinkPassword(secret: Uint8Array, serial: SerialNumber): string {
  return createHmac('sha256', secret).update(`link-password/${serial}`).digest('hex');
}
