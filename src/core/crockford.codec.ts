/** Crockford's Base32 (https://www.crockford.com/base32.html): no I, L, O, U. */
export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Encodes bytes most significant bit first, 5 bits a symbol, into `symbols` symbols. */
export function crockfordEncode(bytes: Uint8Array, symbols: number): string {
  if (symbols * 5 > bytes.length * 8) {
    throw new RangeError(`${bytes.length} bytes cannot give ${symbols} symbols`);
  }
  let out = '';
  let buffer = 0;
  let bits = 0;
  let index = 0;
  while (out.length < symbols) {
    if (bits < 5) {
      buffer = ((buffer << 8) | (bytes[index++] ?? 0)) & 0xffff;
      bits += 8;
    }
    bits -= 5;
    out += CROCKFORD_ALPHABET[(buffer >> bits) & 31];
  }
  return out;
}

/**
 * Folds how people type Crockford symbols into canonical ones: upper case, O → 0, I and L → 1
 * (Crockford's decoding rules). Separators must be removed before.
 */
export function crockfordFold(text: string): string {
  return text.toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
}

/** Whether every character is a canonical Crockford symbol. */
export function isCrockford(text: string): boolean {
  for (const char of text) {
    if (!CROCKFORD_ALPHABET.includes(char)) return false;
  }
  return true;
}
