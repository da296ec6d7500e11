import type { AccessDecision, Credential } from './access.service.ts';
import type { AccessDecided } from './device.events.ts';

/**
 * The kind the cloud's access log shows: a card, a user's PIN, or only switch codes. A keypad
 * entry that matched nothing is logged as a PIN, what a person at a keypad types
 * (docs/decisions.md, "Buildings").
 */
function credentialOf(
  credential: Credential,
  decision: AccessDecision,
): AccessDecided['credential'] {
  if (credential.kind === 'card') return 'card';
  const user = decision.user;
  return user && user.access.pin !== credential.value ? 'code' : 'pin';
}

/**
 * The door events of one front-panel decision (issue 17 "The door, back to the cloud"): one per
 * switch that opened; a refusal, or a grant whose switches are all disabled (nothing moved),
 * is one refused event.
 */
export function doorEvents(
  credential: Credential,
  accessPoint: number,
  decision: AccessDecision,
  opened: readonly number[],
  at: Date,
): AccessDecided[] {
  const base = {
    at: at.toISOString(),
    credential: credentialOf(credential, decision),
    accessPoint,
    ...(decision.user ? { uuid: decision.user.uuid, name: decision.user.name } : {}),
  };
  if (decision.granted && opened.length > 0) {
    return opened.map((number) => ({ ...base, granted: true, switch: number }));
  }
  const reason = decision.granted ? 'switch-disabled' : decision.reason;
  const asked = decision.granted ? (decision.switches[0] ?? null) : null;
  return [{ ...base, granted: false, switch: asked, reason }];
}

/** The refusal while an access point refuses everyone after failed attempts (§5.10.1). */
export function limitedEvent(credential: Credential, accessPoint: number, at: Date): AccessDecided {
  return {
    at: at.toISOString(),
    granted: false,
    credential: credential.kind === 'card' ? 'card' : 'pin',
    accessPoint,
    switch: null,
    reason: 'access-limited',
  };
}
