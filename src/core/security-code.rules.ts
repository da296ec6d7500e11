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
 * The generations of the window in the order they are tried: the known one first (where nearly
 * every presented code is), then the newer ones, then the older ones.
 */
function generationsToTry(knownGeneration: number): number[] {
  const { from, to } = generationWindow(knownGeneration);
  const order: number[] = [];
  for (let g = knownGeneration; g <= to; g++) order.push(g);
  for (let g = knownGeneration - 1; g >= from; g--) order.push(g);
  return order;
}

/**
 * Finds which generation a presented code belongs to; null when none in the window matches.
 * Each comparison takes constant time, so the time taken never tells how close a wrong code
 * came. A wrong code is compared with every generation; a right one stops the search, which
 * only tells someone who holds a valid code which generation it is (the answer says whether
 * it was replaced anyway), and spares 40 HMACs on almost every claim.
 */
export function matchSecurityCode(
  secret: Uint8Array,
  serial: SerialNumber,
  presented: SecurityCode,
  knownGeneration: number,
): number | null {
  const presentedBytes = Buffer.from(presented, 'ascii');
  for (const generation of generationsToTry(knownGeneration)) {
    const expected = Buffer.from(deriveSecurityCode(secret, serial, generation), 'ascii');
    if (timingSafeEqual(expected, presentedBytes)) return generation;
  }
  return null;
}

/**
 * The device's MQTT password (DESIGN.md "Link"): HMAC of its secret, so the cloud can check it
 * against the registry without the device ever sending the secret.
 */
export function deriveLinkPassword(secret: Uint8Array, serial: SerialNumber): string {
  return createHmac('sha256', secret).update(`link-password/${serial}`).digest('hex');
}
