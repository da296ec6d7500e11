import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Whether an Authorization header carries the metrics token (RFC 6750 §2.1, Bearer). Both are
 * hashed first so the comparison is constant-time whatever their lengths (timingSafeEqual
 * needs equal lengths, and a length check would tell the token's length).
 */
export function metricsTokenCheck(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    return timingSafeEqual(digest(match?.[1] ?? ''), expected) && match !== null;
  };
}
