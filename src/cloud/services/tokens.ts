import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new random bearer secret (256 bits), URL-safe. */
export const newToken = (prefix = ''): string => prefix + randomBytes(32).toString('base64url');

/** What is stored instead of a token: its SHA-256 (tokens are random, so no salt is needed). */
export const hashToken = (token: string): string =>
  createHash('sha256').update(token).digest('base64url');

/** The CSRF token of a session: an HMAC of the session token, so nothing more is stored. */
export const csrfTokenFor = (csrfKey: Buffer, sessionToken: string): string =>
  createHmac('sha256', csrfKey).update(sessionToken).digest('base64url');

/** Compares two strings in constant time. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
