import type { ConfigStore } from './config.store.ts';
import { ACCESS_POINTS, SWITCH_COUNT, type DirectoryUser } from './config.model.ts';
import type { ApId } from './event.catalog.ts';

/** What a person at the door presents: a keypad code (PIN or switch code) or an RFID card. */
export type Credential = { kind: 'code'; value: string } | { kind: 'card'; value: string };

export type AccessRefusal = 'unknown' | 'outside-validity' | 'disabled' | 'blocked';

/** The decision for one credential at one access point. */
export type AccessDecision =
  | {
      granted: true;
      /** The directory user the credential belongs to; null for a switch code of no user. */
      user: DirectoryUser | null;
      /** The switches the credential opens, in order. */
      switches: number[];
    }
  | { granted: false; user: DirectoryUser | null; reason: AccessRefusal };

/**
 * The switch each access point opens. The emulated unit guards one door: its entry reader
 * (access point 1, the manual's id 0) and its exit reader or button (access point 2, id 1) both
 * open the door lock on switch 1, as the factory settings of a 2N unit do (docs/decisions).
 */
export const ACCESS_POINT_SWITCHES: Record<1 | 2, number[]> = { 1: [1], 2: [1] };

/** The manual's access point id (0 entry, 1 exit) for this service's number (1 entry, 2 exit). */
export const apId = (accessPoint: number): ApId => (accessPoint === 2 ? 1 : 0);

/** What accesspoint/grantaccess answers when it refuses (2N HTTP API §5.17.3). */
export type GrantRefusal = 'invalidAp' | 'invalidCredential' | 'accessBlocked';

/**
 * Access control: which credential opens which switch, at which access point, and whether an
 * access point is blocked. The front panel (keypad, card reader) and the HTTP API's
 * accesspoint functions ask it; it opens nothing itself (the caller operates the switches and
 * records the events).
 */
export class AccessService {
  private readonly config: ConfigStore;
  /** Blocked access points (2N HTTP API §5.17.1); like the device, a restart releases them. */
  readonly #blocked = new Set<1 | 2>();
  #session = 0;
  constructor(config: ConfigStore) {
    this.config = config;
  }

  /** A new access session number, as events of one attempt share (2N HTTP API §5.10.1). */
  nextSession(): number {
    this.#session += 1;
    return this.#session;
  }

  /** The decision for `credential` presented at `accessPoint` (1 entry, 2 exit). */
  check(credential: Credential, accessPoint = 1): AccessDecision {
    const point = accessPoint === 2 ? 2 : 1;
    const match = this.#match(credential, point);
    if (!match) return { granted: false, user: null, reason: 'unknown' };
    const refusal = this.#refusal(match.user, point);
    if (refusal) return { granted: false, user: match.user, reason: refusal };
    return { granted: true, user: match.user, switches: match.switches };
  }

  /**
   * 2N HTTP API §5.17.3: whether the user `uuid` may be let in remotely at `ap` (0 entry,
   * 1 exit), with the switches that opens; their validity, access points and blocking count.
   */
  grant(
    ap: ApId,
    uuid: string,
  ):
    | { accessGranted: true; user: DirectoryUser; switches: number[] }
    | { accessGranted: false; reason: GrantRefusal } {
    const point = ap === 1 ? 2 : 1;
    if (this.#blocked.has(point)) return { accessGranted: false, reason: 'accessBlocked' };
    const user = this.config.current.directory.users.find((u) => u.uuid === uuid.toUpperCase());
    if (!user || this.#refusal(user, point)) {
      return { accessGranted: false, reason: 'invalidCredential' };
    }
    return { accessGranted: true, user, switches: ACCESS_POINT_SWITCHES[point] };
  }

  /** Blocks or releases an access point (0 entry, 1 exit); true when that changed anything. */
  setBlocked(ap: ApId, blocked: boolean): boolean {
    const point = ap === 1 ? 2 : 1;
    const was = this.#blocked.has(point);
    if (blocked) this.#blocked.add(point);
    else this.#blocked.delete(point);
    return was !== blocked;
  }

  /** 2N HTTP API §5.17.2: the blocking of each access point, or of one. */
  blockingStatus(only?: ApId): Array<{ id: ApId; blocked: boolean }> {
    const all = Array.from({ length: ACCESS_POINTS }, (_, i) => ({
      id: i as ApId,
      blocked: this.#blocked.has(i === 1 ? 2 : 1),
    }));
    return only === undefined ? all : all.filter((ap) => ap.id === only);
  }

  /** Releases every blocking (the device restarted). */
  reset(): void {
    this.#blocked.clear();
  }

  /**
   * The user a credential belongs to and the switches it opens. A PIN opens the access point's
   * switches; a user's switch code `access.code[i]` opens switch i + 1 (2N HTTP API §5.14.1).
   * One code may be both a user's PIN and some of their switch codes (the cloud writes a
   * resident's PIN so for each switch granted, docs/decisions.md, "Buildings"): it opens all of
   * them, in order. A card is compared without regard to the case of its hex digits.
   */
  #match(
    credential: Credential,
    point: 1 | 2,
  ): { user: DirectoryUser; switches: number[] } | undefined {
    const users = this.config.current.directory.users;
    if (credential.kind === 'card') {
      const uid = credential.value.toUpperCase();
      const user = users.find((u) => u.access.card.some((card) => card.toUpperCase() === uid));
      return user && { user, switches: ACCESS_POINT_SWITCHES[point] };
    }
    if (credential.value === '') return undefined;
    // A PIN match wins over another user's switch code, as before switch codes were combined.
    const user =
      users.find((u) => u.access.pin === credential.value) ??
      users.find((u) => switchCodesOf(u, credential.value).length > 0);
    if (!user) return undefined;
    const byPin = user.access.pin === credential.value;
    const switches = [
      ...(byPin ? ACCESS_POINT_SWITCHES[point] : []),
      ...switchCodesOf(user, credential.value),
    ];
    return { user, switches: [...new Set(switches)].sort((a, b) => a - b) };
  }

  /** Why `user` may not pass `point` now, if they may not. */
  #refusal(user: DirectoryUser, point: 1 | 2): AccessRefusal | undefined {
    if (this.#blocked.has(point)) return 'blocked';
    if (user.access.accessPoints?.[point - 1]?.enabled === false) return 'disabled';
    const now = Math.floor(Date.now() / 1000);
    const from = Number(user.access.validFrom ?? '0');
    const to = Number(user.access.validTo ?? '0');
    if ((from !== 0 && now < from) || (to !== 0 && now > to)) return 'outside-validity';
    return undefined;
  }
}

/** The switches whose code (`access.code[i]` opens switch i + 1) is `value`, for one user. */
function switchCodesOf(user: DirectoryUser, value: string): number[] {
  return user.access.code
    .slice(0, SWITCH_COUNT)
    .flatMap((code, index) => (code === value ? [index + 1] : []));
}
