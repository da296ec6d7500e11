import { crockfordEncode, crockfordFold, isCrockford } from './crockford.codec.ts';

/** RFC 6238 §4 with the parameters every authenticator app uses: SHA-1, 6 digits, 30 s. */
export const TOTP_PERIOD_SECONDS = 30;

/** Recovery codes per person; a new set replaces the old one. */
export const RECOVERY_CODE_COUNT = 10;

/** 12 Crockford symbols = 60 random bits, shown as XXXX-XXXX-XXXX. */
const RECOVERY_CODE_SYMBOLS = 12;

/** What a person typed as a second factor. */
export type SecondFactorInput =
  { kind: 'totp'; code: string } | { kind: 'recovery'; code: string } | { kind: 'invalid' };

/**
 * Reads a code as typed: six digits (spaces allowed, as apps show "123 456") are a TOTP code;
 * twelve Crockford symbols with or without dashes are a recovery code, folded the way Crockford
 * decodes (case, O/0, I/L/1).
 */
export function parseSecondFactor(input: string): SecondFactorInput {
  const compact = input.replace(/[\s-]/g, '');
  if (/^\d{6}$/.test(compact)) return { kind: 'totp', code: compact };
  const folded = crockfordFold(compact);
  if (folded.length === RECOVERY_CODE_SYMBOLS && isCrockford(folded)) {
    return { kind: 'recovery', code: folded };
  }
  return { kind: 'invalid' };
}

/** A recovery code from 8 random bytes (60 bits are used), as shown to the person. */
export function formatRecoveryCode(random: Uint8Array): string {
  const symbols = crockfordEncode(random, RECOVERY_CODE_SYMBOLS);
  return `${symbols.slice(0, 4)}-${symbols.slice(4, 8)}-${symbols.slice(8)}`;
}
