import type { ConfigStore } from './config.store.ts';
import { SIP_ACCOUNT_COUNT, sipAccountSchema, type SipAccount } from './config.model.ts';
import type { DeviceEvents } from './device.events.ts';
import { invalidParam, missingParam } from './device.errors.ts';
import type { EventLogService } from './event-log.service.ts';

/** What the HTTP API answers of an account: everything but the password (§5.6.3). */
export type PublicSipAccount = Omit<SipAccount, 'password'>;

export interface SipAccountStatus {
  account: number;
  accountType: 'general';
  enabled: boolean;
  sipNumber: string;
  registrationEnabled: boolean;
  registered: boolean;
  registerTime?: number;
}

const BOOLEAN_FIELDS = ['enabled', 'registrationEnabled'] as const;
const STRING_FIELDS = [
  'displayName',
  'sipNumber',
  'domain',
  'domainPort',
  'authId',
  'password',
  'proxyAddress',
  'proxyPort',
  'registrarAddress',
  'registrarPort',
  'answerMode',
] as const;

/** Whether a simulated registrar would accept the account: it is complete and asks to register. */
function registers(account: SipAccount): boolean {
  return (
    account.enabled &&
    account.registrationEnabled &&
    account.sipNumber !== '' &&
    (account.registrarAddress !== '' || account.domain !== '')
  );
}

/** What a registration is made with: a change of any of it means registering again. */
const registrationKey = (a: SipAccount) =>
  JSON.stringify([
    a.sipNumber,
    a.domain,
    a.domainPort,
    a.authId,
    a.password,
    a.registrarAddress,
    a.registrarPort,
  ]);

/**
 * The SIP accounts (2N HTTP API §5.6): their configuration, and a simulated registration. With
 * no SIP stack, an account counts as registered as soon as it is enabled, asks to register and
 * names a number and a registrar (or domain); each change raises RegistrationStateChanged.
 */
export class PhoneService {
  readonly #registered = new Map<number, { since: number; key: string }>();

  private readonly config: ConfigStore;
  private readonly eventLog: EventLogService;
  private readonly clock: { utcTime(): number };
  constructor(
    config: ConfigStore,
    events: DeviceEvents,
    eventLog: EventLogService,
    clock: { utcTime(): number },
  ) {
    this.config = config;
    this.eventLog = eventLog;
    this.clock = clock;
    events.on('config-changed', () => this.#register());
    this.#register();
  }

  accounts(only?: number): PublicSipAccount[] {
    return this.config.current.phone.accounts
      .filter((account) => only === undefined || account.account === only)
      .map(({ password: _secret, ...account }) => account);
  }

  status(only?: number): SipAccountStatus[] {
    return this.config.current.phone.accounts
      .filter((account) => only === undefined || account.account === only)
      .map((account) => {
        const registration = this.#registered.get(account.account);
        return {
          account: account.account,
          accountType: 'general' as const,
          enabled: account.enabled,
          sipNumber: account.sipNumber,
          registrationEnabled: account.registrationEnabled,
          registered: registration !== undefined,
          ...(registration ? { registerTime: registration.since } : {}),
        };
      });
  }

  /**
   * §5.6.3 PUT: `{accounts: [{account, …fields}]}`; each named account changes only the fields
   * given. The whole request is checked before anything is saved. Unknown fields are ignored.
   */
  async update(body: unknown): Promise<void> {
    const changes = parseAccounts(body);
    const next = structuredClone(this.config.current.phone.accounts);
    for (const [index, change] of changes.entries()) {
      const target = next.find((a) => a.account === change.account)!;
      Object.assign(target, change);
      const checked = sipAccountSchema.safeParse(target);
      if (!checked.success) {
        const field = String(checked.error.issues[0]!.path[0]);
        throw invalidParam(
          `accounts[${index}].${field}`,
          `SIP account ${change.account}: ${field} must be ${checked.error.issues[0]!.message}.`,
        );
      }
    }
    // The reason names the accounts, never their values (the password is among them).
    await this.config.update(
      `SIP account ${changes.map((c) => c.account).join(', ')} changed`,
      (draft) => {
        draft.phone.accounts = next;
      },
    );
  }

  #register(): void {
    for (const account of this.config.current.phone.accounts) {
      const current = this.#registered.get(account.account);
      const wanted = registers(account) ? registrationKey(account) : null;
      if (current && current.key === wanted) continue;
      if (current) {
        this.#registered.delete(account.account);
        this.eventLog.record('RegistrationStateChanged', {
          sipAccount: account.account,
          state: 'unregistered',
        });
      }
      if (wanted) {
        this.#registered.set(account.account, { since: this.clock.utcTime(), key: wanted });
        this.eventLog.record('RegistrationStateChanged', {
          sipAccount: account.account,
          state: 'registered',
        });
      }
    }
  }
}

type AccountChange = Partial<SipAccount> & { account: number };

function parseAccounts(body: unknown): AccountChange[] {
  const accounts = (body as { accounts?: unknown } | null)?.accounts;
  if (body === null || typeof body !== 'object' || accounts === undefined)
    throw missingParam(
      'accounts',
      'Send {"accounts": [{"account": 1, …}]} as blob-json (see GET /api/phone/config).',
    );
  if (!Array.isArray(accounts) || accounts.length === 0)
    throw invalidParam('accounts', 'Give "accounts" as a list of SIP accounts, at least one.');
  const seen = new Set<number>();
  return accounts.map((raw, index) => {
    const at = `accounts[${index}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw invalidParam(at, 'Give each SIP account as an object with "account".');
    const entry = raw as Record<string, unknown>;
    if (entry.account === undefined)
      throw missingParam(`${at}.account`, 'Name the SIP account: "account": 1 or 2.');
    const account = Number(entry.account);
    if (
      !Number.isInteger(account) ||
      account < 1 ||
      account > SIP_ACCOUNT_COUNT ||
      seen.has(account)
    )
      throw invalidParam(
        `${at}.account`,
        `Use account 1 to ${SIP_ACCOUNT_COUNT}, each once per request.`,
      );
    seen.add(account);
    const change: AccountChange = { account };
    for (const field of BOOLEAN_FIELDS) {
      if (entry[field] === undefined) continue;
      const value = entry[field];
      if (value === true || value === 'true' || value === '1' || value === 1) change[field] = true;
      else if (value === false || value === 'false' || value === '0' || value === 0)
        change[field] = false;
      else throw invalidParam(`${at}.${field}`, `Give ${field} as true or false.`);
    }
    for (const field of STRING_FIELDS) {
      if (entry[field] === undefined) continue;
      const value = entry[field];
      // Ports and the answer mode travel as numbers in some integrations.
      if (typeof value !== 'string' && typeof value !== 'number')
        throw invalidParam(`${at}.${field}`, `Give ${field} as text.`);
      change[field] = String(value);
    }
    return change;
  });
}
