import { fail, ok, type Result } from './result.ts';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;

// A short list of the passwords people pick first; enough to refuse the obvious ones.
const COMMON = new Set([
  'password',
  'password1',
  'password12',
  'password123',
  '1234567890',
  '0123456789',
  'qwertyuiop',
  'qwerty1234',
  'iloveyou12',
  'letmein123',
  'welcome123',
  'admin12345',
  'administrator',
  'changeme123',
  'abcdefghij',
  '1111111111',
  'aaaaaaaaaa',
  'latchkey123',
]);

/** Checks a cloud account password; the message says what to change. */
export function checkAccountPassword(password: string, email: string): Result<string> {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return fail(
      `Use at least ${MIN_PASSWORD_LENGTH} characters; this password has ${password.length}.`,
    );
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    return fail(`Use at most ${MAX_PASSWORD_LENGTH} characters.`);
  }
  const lower = password.toLowerCase();
  if (COMMON.has(lower) || new Set(lower).size < 4) {
    return fail('This password is too common or too repetitive; choose one that is hard to guess.');
  }
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  if (local.length >= 4 && lower.includes(local)) {
    return fail('The password must not contain your e-mail address.');
  }
  return ok(password);
}
