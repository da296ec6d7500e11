import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_REALM } from '../accounts.service.ts';

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

/** The Digest algorithms (RFC 7616 §3.2) this device answers, in the order it offers them. */
export const DIGEST_ALGORITHMS = ['MD5', 'SHA-256'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

const HASH: Record<DigestAlgorithm, (text: string) => string> = {
  MD5: (text) => createHash('md5').update(text, 'utf8').digest('hex'),
  'SHA-256': (text) => createHash('sha256').update(text, 'utf8').digest('hex'),
};

/** Stands in for an unknown user's HA1; a random value no response can match. */
const UNKNOWN_USER_HA1: Record<DigestAlgorithm, string> = {
  MD5: randomBytes(16).toString('hex'),
  'SHA-256': randomBytes(32).toString('hex'),
};

/**
 * Whether the Digest `uri` names this request: its target as sent, or its path without the
 * query string, which several HTTP API integrations hash. Anything else (another path, another
 * query) is refused, so a response computed for one request cannot authorize another.
 */
export function digestUriMatches(uri: string, url: string): boolean {
  return uri === url || uri === url.split('?', 1)[0];
}

const safeEqualHex = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * HTTP Digest (RFC 7616) with MD5 or SHA-256 and qop=auth: one challenge per algorithm, MD5
 * first because every HTTP API integration reads the first and MD5 is what they implement
 * (2N HTTP API §3); clients that prefer SHA-256 pick the second. Nonces are self-validating (time + random +
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

  /** The WWW-Authenticate challenges, one per algorithm (RFC 7616 §3.7), each with a fresh nonce. */
  challenges(stale = false): string[] {
    return DIGEST_ALGORITHMS.map((algorithm) => this.challenge(stale, algorithm));
  }

  challenge(stale = false, algorithm: DigestAlgorithm = 'MD5'): string {
    return `Digest realm="${API_REALM}", qop="auth", algorithm=${algorithm}, nonce="${this.#issue()}"${stale ? ', stale=true' : ''}`;
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
   * with `ha1For(username, algorithm)` giving H(username:realm:password) of an enabled account
   * (undefined for an unknown user, or one whose hash for that algorithm is not stored).
   */
  verify(
    header: string,
    method: string,
    url: string,
    ha1For: (username: string, algorithm: DigestAlgorithm) => string | undefined,
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
    // RFC 7616 §3.4: no algorithm parameter means MD5.
    const named = (p.get('algorithm') ?? 'MD5').toUpperCase();
    if (!username || !nonce || !uri || !response)
      return { ok: false, stale: false, reason: 'incomplete Digest header' };
    const algorithm = DIGEST_ALGORITHMS.find((a) => a === named);
    if (!algorithm)
      return {
        ok: false,
        stale: false,
        reason: `algorithm ${named} is not supported; use ${DIGEST_ALGORITHMS.join(' or ')}`,
      };
    if (p.get('realm') !== API_REALM) return { ok: false, stale: false, reason: 'wrong realm' };
    if (qop !== 'auth' || !nc || !cnonce || !/^[0-9a-fA-F]{8}$/.test(nc)) {
      return { ok: false, stale: false, reason: 'qop=auth with nc and cnonce is required' };
    }
    if (!digestUriMatches(uri, url))
      return { ok: false, stale: false, reason: 'the Digest uri does not match the request' };
    const age = this.#nonceAge(nonce);
    if (age === null || age < 0) return { ok: false, stale: false, reason: 'unknown nonce' };
    // An unknown user costs the same hashing as a known one and gets the same answer, so
    // neither the reply nor its timing tells which names exist (RFC 7616 §5.2 guessing).
    const hash = HASH[algorithm];
    const ha1 = ha1For(username, algorithm) || undefined;
    const ha2 = hash(`${method}:${uri}`);
    const expected = hash(
      `${ha1 ?? UNKNOWN_USER_HA1[algorithm]}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`,
    );
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
