import { randomBytes } from 'node:crypto';
import { verify as verifyPassword } from '@node-rs/argon2';
import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import QRCode from 'qrcode';
import { LatchkeyError } from '../../core/errors.ts';
import {
  formatRecoveryCode,
  parseSecondFactor,
  RECOVERY_CODE_COUNT,
  TOTP_PERIOD_SECONDS,
} from '../../core/totp.rules.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { TwoFactorRepo } from '../store/repos/two-factor.repo.ts';
import type { UsersRepo } from '../store/repos/users.repo.ts';
import type { Actor } from './actor.ts';
import { iso, type Clock } from './clock.ts';
import type { LoginThrottle } from './login-throttle.service.ts';
import { hashToken, newToken } from './tokens.ts';

export interface TwoFactorServiceDeps {
  twoFactor: TwoFactorRepo;
  users: UsersRepo;
  /** Seals TOTP secrets at rest (AES-256-GCM under the master key, bound to the user id). */
  secrets: SecretBox;
  clock: Clock;
  throttle: LoginThrottle;
  /** How long the second step of a sign-in may take; 5 minutes unless a test says otherwise. */
  challengeTtlMs?: number;
}

/** The issuer an authenticator app shows beside the account (Key Uri Format). */
export const TOTP_ISSUER = 'Latchkey';
/** The second step of a sign-in is finished within this time... */
export const CHALLENGE_TTL_MS = 5 * 60_000;
/** ...and with at most this many codes. */
export const MAX_CHALLENGE_ATTEMPTS = 5;

/** The one check of every account use case here: a signed-in session, not an API token. */
function requireSession(actor: Actor) {
  if (actor.credential?.kind !== 'session') throw new LatchkeyError('SESSION_REQUIRED');
}

const codeWrong = () =>
  new LatchkeyError('TWO_FACTOR_CODE_WRONG', {
    fields: [{ field: 'code', message: 'This code is not correct, or was used already.' }],
  });

/** The associated data of a sealed secret: a secret copied onto another person's row fails. */
const sealedFor = (userId: string) => `two-factor:${userId}`;

/**
 * Optional two-factor sign-in with TOTP (issue 16; RFC 6238 with SHA-1, 6 digits, 30 s, which
 * every authenticator app reads from the otpauth:// URI). Secrets are sealed at rest; recovery
 * codes and sign-in challenges are stored as SHA-256 only. Codes, secrets and recovery codes are
 * never logged.
 */
export function createTwoFactorService(deps: TwoFactorServiceDeps) {
  const { twoFactor, users, secrets, clock, throttle } = deps;
  const challengeTtlMs = deps.challengeTtlMs ?? CHALLENGE_TTL_MS;

  const seconds = () => Math.floor(clock.now().getTime() / 1000);

  /**
   * The time step a 6-digit code belongs to, or null. One step either side is accepted for
   * clock drift (RFC 6238 §5.2 recommends at most one).
   */
  async function stepOf(secret: string, code: string): Promise<number | null> {
    const result = await verifyTotp({
      secret,
      token: code,
      epoch: seconds(),
      period: TOTP_PERIOD_SECONDS,
      epochTolerance: TOTP_PERIOD_SECONDS,
    });
    // The TOTP strategy's answer names the step; otplib types it together with HOTP's.
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  }

  /**
   * Whether `input` is a right second factor of the person, using it up: a TOTP code of a step
   * newer than the last one accepted (§5.2: no code is accepted twice), or an unused recovery
   * code.
   */
  async function useSecondFactor(userId: string, input: string): Promise<boolean> {
    const row = await twoFactor.find(userId);
    if (!row?.enabled_at || !row.secret_enc) return false;
    const parsed = parseSecondFactor(input);
    const now = iso(clock.now());
    if (parsed.kind === 'totp') {
      const secret = secrets.open(row.secret_enc, sealedFor(userId)).toString();
      const step = await stepOf(secret, parsed.code);
      return step !== null && (await twoFactor.claimStep(userId, step, now));
    }
    if (parsed.kind === 'recovery') {
      return twoFactor.useRecoveryCode(userId, hashToken(parsed.code), now);
    }
    return false;
  }

  /** New recovery codes, shown once; only their hashes are kept. */
  function newRecoveryCodes() {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () =>
      formatRecoveryCode(randomBytes(8)),
    );
    const hashes = codes.map((code) => {
      const parsed = parseSecondFactor(code);
      if (parsed.kind !== 'recovery') throw new Error('a recovery code did not parse');
      return hashToken(parsed.code);
    });
    return { codes, hashes };
  }

  async function signedInUser(actor: Actor) {
    requireSession(actor);
    const user = await users.findById(actor.userId);
    if (!user) throw new LatchkeyError('UNAUTHENTICATED');
    return user;
  }

  /**
   * Checks a code of an enabled person under the sign-in throttle: a stolen session cannot
   * guess codes faster than a stranger can guess passwords.
   */
  async function requireSecondFactor(
    user: { id: string; email: string },
    ip: string,
    code: string,
  ) {
    if (!(await twoFactor.isEnabled(user.id))) throw new LatchkeyError('TWO_FACTOR_NOT_ENABLED');
    await throttle.admitLogin(user.email, ip);
    if (!(await useSecondFactor(user.id, code))) throw codeWrong();
    await throttle.succeeded(user.email, ip);
  }

  return {
    /** Whether the person signs in with a second factor (the company setting reads this). */
    hasTwoFactor: (userId: string): Promise<boolean> => twoFactor.isEnabled(userId),

    async status(actor: Actor) {
      requireSession(actor);
      const enabled = await twoFactor.isEnabled(actor.userId);
      return {
        enabled,
        recoveryCodesLeft: enabled ? await twoFactor.countUnusedRecoveryCodes(actor.userId) : 0,
      };
    },

    /**
     * Starts (or restarts) a setup: a new 160-bit secret (RFC 4226 §4 recommends 160), kept
     * sealed as pending until a code from it confirms it. Answers the secret as text, the
     * otpauth:// URI and that URI as a QR code (SVG).
     */
    async setup(actor: Actor) {
      const user = await signedInUser(actor);
      const secret = generateSecret({ length: 20 });
      const sealed = secrets.seal(Buffer.from(secret), sealedFor(user.id));
      if (!(await twoFactor.startSetup(user.id, sealed, iso(clock.now())))) {
        throw new LatchkeyError('TWO_FACTOR_ALREADY_ENABLED');
      }
      const otpauthUrl = generateURI({
        issuer: TOTP_ISSUER,
        label: user.email,
        secret,
        period: TOTP_PERIOD_SECONDS,
      });
      const qrSvg = await QRCode.toString(otpauthUrl, {
        type: 'svg',
        errorCorrectionLevel: 'M',
        margin: 2,
      });
      return { secret, otpauthUrl, qrSvg };
    },

    /** Confirms the pending setup with a code from the app; answers 10 recovery codes, once. */
    async enable(actor: Actor, code: string) {
      const user = await signedInUser(actor);
      const row = await twoFactor.find(user.id);
      if (row?.enabled_at) throw new LatchkeyError('TWO_FACTOR_ALREADY_ENABLED');
      if (!row?.pending_secret_enc) throw new LatchkeyError('TWO_FACTOR_SETUP_NOT_STARTED');
      const parsed = parseSecondFactor(code);
      const secret = secrets.open(row.pending_secret_enc, sealedFor(user.id)).toString();
      const step = parsed.kind === 'totp' ? await stepOf(secret, parsed.code) : null;
      if (step === null) throw codeWrong();
      const recovery = newRecoveryCodes();
      const enabled = await twoFactor.enable({
        userId: user.id,
        pendingSecretEnc: row.pending_secret_enc,
        // The confirming code cannot sign in afterwards.
        step,
        codeHashes: recovery.hashes,
        now: iso(clock.now()),
      });
      if (!enabled) {
        // Enabled by another request meanwhile, or the setup was restarted with a new secret.
        if (await twoFactor.isEnabled(user.id)) {
          throw new LatchkeyError('TWO_FACTOR_ALREADY_ENABLED');
        }
        throw codeWrong();
      }
      return { recoveryCodes: recovery.codes };
    },

    /** Turns it off with the password and a code (or a recovery code). */
    async disable(actor: Actor, input: { password: string; code: string }) {
      const user = await signedInUser(actor);
      if (!(await twoFactor.isEnabled(user.id))) throw new LatchkeyError('TWO_FACTOR_NOT_ENABLED');
      await throttle.admitLogin(user.email, actor.ip);
      if (!(await verifyPassword(user.password_hash, input.password))) {
        throw new LatchkeyError('CURRENT_PASSWORD_WRONG', {
          fields: [{ field: 'password', message: 'This is not your current password.' }],
        });
      }
      if (!(await useSecondFactor(user.id, input.code))) throw codeWrong();
      await throttle.succeeded(user.email, actor.ip);
      await twoFactor.disable(user.id);
    },

    /** New recovery codes for a code (or a recovery code); the old ones stop working. */
    async regenerateRecoveryCodes(actor: Actor, code: string) {
      const user = await signedInUser(actor);
      await requireSecondFactor(user, actor.ip, code);
      const recovery = newRecoveryCodes();
      await twoFactor.replaceRecoveryCodes(user.id, recovery.hashes, iso(clock.now()));
      return { recoveryCodes: recovery.codes };
    },

    /**
     * After the right password of a person with two-factor sign-in: the challenge that the
     * second step presents. 256 random bits; only its hash is stored, bound to the person.
     */
    async startChallenge(userId: string): Promise<string> {
      const challenge = newToken();
      const now = clock.now();
      await twoFactor.insertChallenge({
        token_hash: hashToken(challenge),
        user_id: userId,
        created_at: iso(now),
        expires_at: iso(new Date(now.getTime() + challengeTtlMs)),
      });
      return challenge;
    },

    /**
     * The second step of a sign-in: the person, when the challenge is live and the code right.
     * Each code counts against the challenge (at most 5, then it is dead) and, like a password,
     * against the sign-in throttle of the address and the account; a right code clears the
     * throttle's record as a right password does.
     */
    async completeChallenge(challenge: string, code: string, address: string) {
      const tokenHash = hashToken(challenge);
      const found = await twoFactor.findChallenge(tokenHash, iso(clock.now()));
      const user = found && (await users.findById(found.user_id));
      if (!found || !user) throw new LatchkeyError('TWO_FACTOR_CHALLENGE_INVALID');
      await throttle.admitLogin(user.email, address);
      const spent = await twoFactor.spendChallengeAttempt(
        tokenHash,
        iso(clock.now()),
        MAX_CHALLENGE_ATTEMPTS,
      );
      if (!spent) throw new LatchkeyError('TWO_FACTOR_CHALLENGE_INVALID');
      if (!(await useSecondFactor(user.id, code))) {
        if (spent.attempts >= MAX_CHALLENGE_ATTEMPTS) await twoFactor.deleteChallenge(tokenHash);
        throw codeWrong();
      }
      // Used once: of two right answers at the same moment, one signs in.
      if (!(await twoFactor.deleteChallenge(tokenHash))) {
        throw new LatchkeyError('TWO_FACTOR_CHALLENGE_INVALID');
      }
      await throttle.succeeded(user.email, address);
      return user;
    },
  };
}

export type TwoFactorService = ReturnType<typeof createTwoFactorService>;
