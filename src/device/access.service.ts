import type { ConfigStore } from './config.store.ts';
import type { DirectoryUser } from './config.model.ts';

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
 * Access control: which credential opens which switch. The front panel (keypad, card reader)
 * and the HTTP API's accesspoint functions ask it; it changes nothing itself.
 */
export class AccessService {
  private readonly config: ConfigStore;
  constructor(config: ConfigStore) {
    this.config = config;
  }

  /** The decision for `credential` presented at `accessPoint` (1 entry, 2 exit). */
  check(credential: Credential, accessPoint = 1): AccessDecision {
    const users = this.config.current.directory.users;
    const user =
      credential.kind === 'card'
        ? users.find((u) => u.access.card.includes(credential.value))
        : users.find((u) => u.access.pin !== '' && u.access.pin === credential.value);
    if (!user) return { granted: false, user: null, reason: 'unknown' };
    return { granted: true, user, switches: [accessPoint] };
  }
}
