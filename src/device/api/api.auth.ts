import type { FastifyRequest } from 'fastify';
import { apiPasswordHa1 } from '../accounts.service.ts';
import type { AccountsService } from '../accounts.service.ts';
import type { ApiAccount, ServiceSettings } from '../config.model.ts';
import { API_REALM } from '../accounts.service.ts';
import type { DigestAuthority } from './auth.digest.ts';
import { timingSafeEqual } from 'node:crypto';

export type AuthOutcome =
  | { ok: true; account: ApiAccount | null }
  | { ok: false; code: 8 | 9; hint: string; challenges: string[]; retryAfterSeconds?: number };

/** One answer for an unknown user and a wrong password, so a refusal tells no names apart. */
const WRONG_CREDENTIALS =
  'The user name or password is wrong; check the HTTP API account (Services → HTTP API → Account).';

/**
 * Authenticates an HTTP API request the way its service is configured: None lets everyone in
 * with every privilege; Basic and/or Digest need an enabled HTTP API account.
 */
export function authenticate(
  request: FastifyRequest,
  settings: ServiceSettings,
  accounts: AccountsService,
  digest: DigestAuthority,
): AuthOutcome {
  if (settings.auth === 'none') return { ok: true, account: null };
  const allowBasic = settings.auth === 'basic' || settings.auth === 'basic+digest';
  const allowDigest = settings.auth === 'digest' || settings.auth === 'basic+digest';
  const challenges = (stale = false) => [
    ...(allowDigest ? digest.challenges(stale) : []),
    ...(allowBasic ? [`Basic realm="${API_REALM}"`] : []),
  ];
  const methods = [allowDigest && 'Digest', allowBasic && 'Basic'].filter(Boolean).join(' or ');
  const blockedFor = accounts.apiGuesses.blockedForSeconds(request.ip);
  if (blockedFor > 0) {
    return {
      ok: false,
      code: 9,
      hint: `Too many failed authentications from this address; wait ${blockedFor} seconds, then check the HTTP API account's name and password.`,
      challenges: [],
      retryAfterSeconds: blockedFor,
    };
  }
  const header = request.headers.authorization;
  if (!header) {
    return {
      ok: false,
      code: 9,
      hint: `Authenticate with an HTTP API account (${methods}).`,
      challenges: challenges(),
    };
  }
  const scheme = header.split(' ', 1)[0]!.toLowerCase();
  if (
    (scheme === 'basic' && !allowBasic) ||
    (scheme === 'digest' && !allowDigest) ||
    (scheme !== 'basic' && scheme !== 'digest')
  ) {
    return {
      ok: false,
      code: 8,
      hint: `This service accepts ${methods} authentication only; change the client's authentication method.`,
      challenges: challenges(),
    };
  }
  const refused = (hint: string, stale = false): AuthOutcome => {
    // A stale nonce is Digest's normal renewal (RFC 7616 §3.3), not a guess.
    if (!stale) accounts.apiGuesses.recordFailure(request.ip);
    return { ok: false, code: 9, hint, challenges: challenges(stale) };
  };
  if (scheme === 'basic') {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const username = colon >= 0 ? decoded.slice(0, colon) : '';
    const account = accounts.findApiAccount(username);
    const given = Buffer.from(apiPasswordHa1(username, decoded.slice(colon + 1)));
    if (!account || !timingSafeEqual(given, Buffer.from(account.passwordHa1))) {
      return refused(WRONG_CREDENTIALS);
    }
    return { ok: true, account };
  }
  const check = digest.verify(header, request.method, request.url, (name, algorithm) => {
    const account = accounts.findApiAccount(name);
    return algorithm === 'SHA-256' ? account?.passwordHa1Sha256 : account?.passwordHa1;
  });
  if (!check.ok) {
    return refused(
      check.stale
        ? 'The nonce expired; repeat the request with the new nonce.'
        : check.reason === 'wrong credentials'
          ? WRONG_CREDENTIALS
          : `Digest authentication failed (${check.reason}); check the HTTP API account's name and password.`,
      check.stale,
    );
  }
  return { ok: true, account: accounts.findApiAccount(check.username)! };
}
