import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { DEFAULT_API_GUESS_LIMIT, FailureLimiter } from './failure-limiter.ts';
import { promisify } from 'node:util';
import type { ConfigStore } from './config.store.ts';
import {
  MAX_API_ACCOUNTS,
  PRIVILEGES,
  SERVICE_NAMES,
  type ApiAccount,
  type Privilege,
} from './config.model.ts';
import { DeviceError, invalidParam } from './device.errors.ts';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  length: number,
  options: { N: number; r: number; p: number },
) => Promise<Buffer>;

export const FACTORY_ADMIN_PASSWORD = '2n';
export const MIN_ADMIN_PASSWORD_LENGTH = 8;
export const MIN_API_PASSWORD_LENGTH = 8;
/** The realm of the HTTP API's Basic and Digest authentication. */
export const API_REALM = 'HTTP API';
/** Web administration sessions end after this long without a request (both interfaces). */
export const SESSION_IDLE_MS = 15 * 60 * 1000;
/** Login blocking: after this many failures within the window, refuse logins for a while. */
export const LOGIN_MAX_FAILURES = 5;
const LOGIN_WINDOW_MS = 60 * 1000;
export const LOGIN_BLOCK_MS = 30 * 1000;
const MAX_SESSIONS = 64;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password.normalize('NFC'), salt, 32, { N: 16384, r: 8, p: 1 });
  return `scrypt$14$8$1$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, log2N, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scryptAsync(
    password.normalize('NFC'),
    Buffer.from(salt, 'base64'),
    expected.length,
    {
      N: 2 ** Number(log2N),
      r: Number(r),
      p: Number(p),
    },
  );
  return timingSafeEqual(actual, expected);
}

export const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
export const apiPasswordHa1 = (username: string, password: string) =>
  md5(`${username}:${API_REALM}:${password}`);
/** The SHA-256 HA1 of Digest with algorithm=SHA-256 (RFC 7616 §3.4.2). */
export const apiPasswordHa1Sha256 = (username: string, password: string) =>
  createHash('sha256').update(`${username}:${API_REALM}:${password}`, 'utf8').digest('hex');

/**
 * The HTTP API password rule, the one place every adapter (vendor API, classic pages, admin
 * API, `--api-account`) goes through: 8 characters keep online guessing, already rate-limited,
 * out of reach of a short dictionary.
 */
export function checkApiPassword(password: string): string | null {
  if (password.length < MIN_API_PASSWORD_LENGTH) {
    return `Use at least ${MIN_API_PASSWORD_LENGTH} characters for an HTTP API account password; this one has ${password.length}.`;
  }
  if (password.length > 64) return 'Use at most 64 characters for an HTTP API account password.';
  return null;
}

/** The administrator's password rule; the message says what to change. */
export function checkAdminPassword(password: string): string | null {
  if (password === FACTORY_ADMIN_PASSWORD) {
    return 'Choose a new password: the factory password "2n" cannot be kept.';
  }
  if (password.length < MIN_ADMIN_PASSWORD_LENGTH) {
    return `Use at least ${MIN_ADMIN_PASSWORD_LENGTH} characters for the administrator password; this one has ${password.length}.`;
  }
  if (password.length > 128) return 'Use at most 128 characters for the administrator password.';
  return null;
}

function withoutSecret(account: ApiAccount): Omit<ApiAccount, 'passwordHa1'> {
  return {
    id: account.id,
    enabled: account.enabled,
    username: account.username,
    privileges: account.privileges,
  };
}

export interface AdminSession {
  token: string;
  csrfToken: string;
  expiresAt: number;
}

export interface ApiAccountInput {
  id?: number;
  username: string;
  password?: string;
  enabled?: boolean;
  privileges?: Privilege[];
}

/**
 * The web administration account (admin, factory password 2n, forced change) with its
 * sessions, and the HTTP API accounts (up to five, each with its own privileges).
 */
export class AccountsService {
  readonly #sessions = new Map<string, AdminSession>();
  readonly #failures = new Map<string, { times: number[]; blockedUntil: number }>();
  /** Idle timeout of the administration sessions; tests shorten it. */
  sessionIdleMs = SESSION_IDLE_MS;
  /** HTTP API authentication failures per client address (Basic and Digest alike). */
  readonly apiGuesses = new FailureLimiter(DEFAULT_API_GUESS_LIMIT);

  private readonly config: ConfigStore;
  constructor(config: ConfigStore) {
    this.config = config;
  }

  get mustChangePassword(): boolean {
    return this.config.current.admin.passwordHash === '';
  }

  async checkAdminCredentials(username: string, password: string): Promise<boolean> {
    const stored = this.config.current.admin.passwordHash;
    if (username !== this.config.current.admin.username) return false;
    if (stored === '') {
      const given = createHash('sha256').update(password).digest();
      return timingSafeEqual(given, createHash('sha256').update(FACTORY_ADMIN_PASSWORD).digest());
    }
    return verifyPassword(password, stored);
  }

  /**
   * Logs the administrator in. After five wrong passwords within a minute from one address,
   * logins from there are refused for 30 seconds (`blockedForSeconds`).
   */
  async login(
    username: string,
    password: string,
    from = 'local',
  ): Promise<{ session: AdminSession } | { session: null; blockedForSeconds?: number }> {
    const now = Date.now();
    const record = this.#failures.get(from);
    if (record && record.blockedUntil > now) {
      return { session: null, blockedForSeconds: Math.ceil((record.blockedUntil - now) / 1000) };
    }
    if (!(await this.checkAdminCredentials(username, password))) {
      const times = [...(record?.times ?? []).filter((t) => t > now - LOGIN_WINDOW_MS), now];
      const blocked = times.length >= LOGIN_MAX_FAILURES;
      if (this.#failures.size > 1000) this.#failures.clear();
      this.#failures.set(from, {
        times: blocked ? [] : times,
        blockedUntil: blocked ? now + LOGIN_BLOCK_MS : 0,
      });
      return { session: null };
    }
    this.#failures.delete(from);
    this.#pruneSessions();
    const session: AdminSession = {
      token: randomBytes(24).toString('base64url'),
      csrfToken: randomBytes(24).toString('base64url'),
      expiresAt: now + this.sessionIdleMs,
    };
    this.#sessions.set(session.token, session);
    return { session };
  }

  session(token: string | undefined): AdminSession | null {
    if (!token) return null;
    const session = this.#sessions.get(token);
    if (!session || session.expiresAt < Date.now()) {
      this.#sessions.delete(token ?? '');
      return null;
    }
    session.expiresAt = Date.now() + this.sessionIdleMs;
    return session;
  }

  logout(token: string): void {
    this.#sessions.delete(token);
  }

  /** Ends every session (after a reset, a restore or a restart). */
  endAllSessions(except?: string): void {
    for (const token of this.#sessions.keys()) if (token !== except) this.#sessions.delete(token);
  }

  async changeAdminPassword(currentPassword: string, newPassword: string, keepSession?: string) {
    if (!(await this.checkAdminCredentials('admin', currentPassword))) {
      throw invalidParam(
        'currentPassword',
        'The current password is wrong; enter the password you logged in with.',
      );
    }
    const problem = checkAdminPassword(newPassword);
    if (problem) throw invalidParam('newPassword', problem);
    const passwordHash = await hashPassword(newPassword);
    await this.config.update('admin password changed', (draft) => {
      draft.admin.passwordHash = passwordHash;
    });
    this.endAllSessions(keepSession);
  }

  /**
   * The forced change after the first login with the factory password: only while the password
   * is still the factory one, under the same rule as every change.
   */
  async chooseInitialPassword(newPassword: string, keepSession?: string): Promise<void> {
    if (!this.mustChangePassword) {
      throw invalidParam(
        'newPassword',
        'The administrator password was already changed; change it again under System → Users with the current password.',
      );
    }
    await this.changeAdminPassword(FACTORY_ADMIN_PASSWORD, newPassword, keepSession);
  }

  /** `--admin-password`: sets the password while it is still the factory one. */
  async setInitialAdminPassword(password: string): Promise<'set' | 'kept'> {
    const problem = checkAdminPassword(password);
    if (problem) throw new DeviceError(12, problem, 'admin-password');
    if (!this.mustChangePassword) return 'kept';
    const passwordHash = await hashPassword(password);
    await this.config.update('admin password set at start', (draft) => {
      draft.admin.passwordHash = passwordHash;
    });
    return 'set';
  }

  apiAccounts(): Array<Omit<ApiAccount, 'passwordHa1'>> {
    // Field by field, so that no hash (MD5 or SHA-256) leaves the service.
    return this.config.current.httpApi.accounts.map(withoutSecret);
  }

  findApiAccount(username: string): ApiAccount | undefined {
    return this.config.current.httpApi.accounts.find(
      (account) => account.enabled && account.username === username,
    );
  }

  /** Creates or updates an HTTP API account (matched by id, else by username). */
  async saveApiAccount(input: ApiAccountInput): Promise<Omit<ApiAccount, 'passwordHa1'>> {
    if (!/^[A-Za-z0-9._-]{1,32}$/.test(input.username)) {
      throw invalidParam(
        'username',
        'Use 1–32 letters, digits, dots, dashes or underscores for the account name.',
      );
    }
    for (const privilege of input.privileges ?? []) {
      if (!PRIVILEGES.includes(privilege)) {
        throw invalidParam(
          'privileges',
          `Unknown privilege "${privilege}"; use one of ${PRIVILEGES.join(', ')}.`,
        );
      }
    }
    const problem = input.password === undefined ? null : checkApiPassword(input.password);
    if (problem) throw invalidParam('password', problem);
    const saved = await this.config.update(`HTTP API account ${input.username} saved`, (draft) => {
      const accounts = draft.httpApi.accounts;
      const existing =
        (input.id !== undefined ? accounts.find((a) => a.id === input.id) : undefined) ??
        accounts.find((a) => a.username === input.username);
      if (accounts.some((a) => a.username === input.username && a !== existing)) {
        throw invalidParam(
          'username',
          `An HTTP API account named "${input.username}" already exists; choose another name.`,
        );
      }
      if (existing) {
        const renamed = existing.username !== input.username;
        if (renamed && input.password === undefined) {
          throw invalidParam(
            'password',
            'Enter the password again when renaming an account (the name is part of its Digest hash).',
          );
        }
        existing.username = input.username;
        if (input.password !== undefined) {
          existing.passwordHa1 = apiPasswordHa1(input.username, input.password);
          existing.passwordHa1Sha256 = apiPasswordHa1Sha256(input.username, input.password);
        }
        if (input.enabled !== undefined) existing.enabled = input.enabled;
        if (input.privileges !== undefined) existing.privileges = [...new Set(input.privileges)];
        return;
      }
      if (input.password === undefined) {
        throw invalidParam('password', 'Set a password for the new HTTP API account.');
      }
      const free = Array.from({ length: MAX_API_ACCOUNTS }, (_, i) => i + 1).find(
        (id) => !accounts.some((a) => a.id === id) && (input.id === undefined || input.id === id),
      );
      if (free === undefined) {
        throw new DeviceError(
          13,
          `The device has room for ${MAX_API_ACCOUNTS} HTTP API accounts; delete or reuse one of them.`,
          'id',
        );
      }
      accounts.push({
        id: free,
        enabled: input.enabled ?? true,
        username: input.username,
        passwordHa1: apiPasswordHa1(input.username, input.password),
        passwordHa1Sha256: apiPasswordHa1Sha256(input.username, input.password),
        privileges: [...new Set(input.privileges ?? [])],
      });
      accounts.sort((a, b) => a.id - b.id);
    });
    return withoutSecret(saved.httpApi.accounts.find((a) => a.username === input.username)!);
  }

  async deleteApiAccount(id: number): Promise<void> {
    if (!this.config.current.httpApi.accounts.some((a) => a.id === id)) {
      throw invalidParam(
        'id',
        `There is no HTTP API account ${id}; list the accounts to see their ids.`,
      );
    }
    await this.config.update(`HTTP API account ${id} deleted`, (draft) => {
      draft.httpApi.accounts = draft.httpApi.accounts.filter((a) => a.id !== id);
    });
  }

  /**
   * `--api-account NAME:PASSWORD`: an account with every privilege, and every service reachable
   * over plain HTTP with Basic or Digest.
   */
  async provisionIntegratorAccount(username: string, password: string): Promise<void> {
    await this.saveApiAccount({ username, password, enabled: true, privileges: [...PRIVILEGES] });
    await this.config.update('HTTP API opened for integrators', (draft) => {
      for (const name of SERVICE_NAMES) {
        const service = draft.httpApi.services[name];
        service.enabled = true;
        service.connection = 'http';
        service.auth = 'basic+digest';
      }
    });
  }

  #pruneSessions(): void {
    const now = Date.now();
    for (const [token, session] of this.#sessions)
      if (session.expiresAt < now) this.#sessions.delete(token);
    while (this.#sessions.size >= MAX_SESSIONS) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest === undefined) break;
      this.#sessions.delete(oldest);
    }
  }
}
