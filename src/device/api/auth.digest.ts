import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_REALM, md5 } from '../accounts.service.ts';

export const NONCE_TTL_MS = 5 * 60 * 1000;
const MAX_TRACKED_NONCES = 10_000;

export type DigestCheck =
  { ok: true; username: string } | { ok: false; stale: boolean; reason: string };

/** Reads `Digest a="b", c=d` into a map (quoted or token values). */
export function parseAuthParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  const pattern = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (const match of text.matchAll(pattern)) {
    params.set(
      match[1]!.toLowerCase(),
      match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!,
    );
  }
  return params;
}

/** Stands in for an unknown user's HA1; a random value no response can match. */
const UNKNOWN_USER_HA1 = randomBytes(16).toString('hex');

const safeEqualHex = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * HTTP Digest (RFC 7616) with MD5 and qop=auth. Nonces are self-validating (time + random +
 * HMAC) and expire after five minutes (answered with stale=true); the nonce count of each
 * nonce must grow with every request, so a captured request cannot be replayed.
 */
export class DigestAuthority {
  readonly #key = randomBytes(32);
  readonly #lastCount = new Map<string, { count: number; expiresAt: number }>();

  private readonly now: () => number;
  private readonly ttlMs: number;
  constructor(now: () => number = Date.now, ttlMs = NONCE_TTL_MS) {
    this.now = now;
    this.ttlMs = ttlMs;
  }

  challenge(stale = false): string {
    return `Digest realm="${API_REALM}", qop="auth", algorithm=MD5, nonce="${this.#issue()}"${stale ? ', stale=true' : ''}`;
  }

  #issue(): string {
    const body = Buffer.alloc(16);
    body.writeBigUInt64BE(BigInt(this.now()), 0);
    randomBytes(8).copy(body, 8);
    const mac = createHmac('sha256', this.#key).update(body).digest().subarray(0, 16);
    return Buffer.concat([body, mac]).toString('base64url');
  }

  #nonceAge(nonce: string): number | null {
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 32) return null;
    const mac = createHmac('sha256', this.#key)
      .update(raw.subarray(0, 16))
      .digest()
      .subarray(0, 16);
    if (!timingSafeEqual(mac, raw.subarray(16))) return null;
    return this.now() - Number(raw.readBigUInt64BE(0));
  }

  /**
   * Checks an `Authorization: Digest …` header for `method` and the request target `url`,
   * with `ha1For(username)` giving MD5(username:realm:password) of an enabled account.
   */
  verify(
    header: string,
    method: string,
    url: string,
    ha1For: (username: string) => string | undefined,
  ): DigestCheck {
    const p = parseAuthParams(header.replace(/^Digest\s+/i, ''));
    const [username, nonce, uri, response, qop, nc, cnonce] = [
      'username',
      'nonce',
      'uri',
      'response',
      'qop',
      'nc',
      'cnonce',
    ].map((k) => p.get(k));
    const algorithm = (p.get('algorithm') ?? 'MD5').toUpperCase();
    if (!username || !nonce || !uri || !response)
      return { ok: false, stale: false, reason: 'incomplete Digest header' };
    if (algorithm !== 'MD5')
      return {
        ok: false,
        stale: false,
        reason: `algorithm ${algorithm} is not supported; use MD5`,
      };
    if (p.get('realm') !== API_REALM) return { ok: false, stale: false, reason: 'wrong realm' };
    if (qop !== 'auth' || !nc || !cnonce || !/^[0-9a-fA-F]{8}$/.test(nc)) {
      return { ok: false, stale: false, reason: 'qop=auth with nc and cnonce is required' };
    }
    if (uri !== url)
      return { ok: false, stale: false, reason: 'the Digest uri does not match the request' };
    const age = this.#nonceAge(nonce);
    if (age === null || age < 0) return { ok: false, stale: false, reason: 'unknown nonce' };
    // An unknown user costs the same hashing as a known one and gets the same answer, so
    // neither the reply nor its timing tells which names exist (RFC 7616 §5.2 guessing).
    const ha1 = ha1For(username);
    const ha2 = md5(`${method}:${uri}`);
    const expected = md5(`${ha1 ?? UNKNOWN_USER_HA1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
    const matches = safeEqualHex(expected, response.toLowerCase());
    if (!ha1 || !matches) return { ok: false, stale: false, reason: 'wrong credentials' };
    if (age > this.ttlMs) return { ok: false, stale: true, reason: 'the nonce expired' };
    const count = parseInt(nc, 16);
    const seen = this.#lastCount.get(nonce);
    if (seen && count <= seen.count)
      return { ok: false, stale: false, reason: 'nonce count reused (replay)' };
    this.#prune();
    this.#lastCount.set(nonce, { count, expiresAt: this.now() - age + this.ttlMs });
    return { ok: true, username };
  }

  #prune(): void {
    if (this.#lastCount.size < MAX_TRACKED_NONCES) return;
    const now = this.now();
    for (const [nonce, entry] of this.#lastCount)
      if (entry.expiresAt < now) this.#lastCount.delete(nonce);
    // Still full: forget the oldest; their nonces stay valid only until they expire anyway.
    for (const nonce of this.#lastCount.keys()) {
      if (this.#lastCount.size < MAX_TRACKED_NONCES) break;
      this.#lastCount.delete(nonce);
    }
  }
}
