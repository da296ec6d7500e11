import { createHmac } from 'node:crypto';
import type { SecretBox } from '../secrets/secret-box.ts';

/** A resident's PINs and cards, sealed together under the resident-credentials key. */
export interface ResidentCredentials {
  pins: string[];
  cards: string[];
}

/**
 * Sealed with the resident's id as associated data, so a sealed value copied onto another
 * resident's row does not open (NIST SP 800-38D).
 */
export const sealCredentials = (
  secrets: SecretBox,
  residentId: string,
  credentials: ResidentCredentials,
): string => secrets.seal(Buffer.from(JSON.stringify(credentials)), residentId);

export function openCredentials(
  secrets: SecretBox,
  residentId: string,
  sealed: string,
): ResidentCredentials {
  const value = JSON.parse(secrets.open(sealed, residentId).toString()) as ResidentCredentials;
  return { pins: value.pins, cards: value.cards };
}

/**
 * The keyed HMAC-SHA256 that stands for one PIN or card in `resident_credentials`: equal for
 * equal values in one site, so uniqueness is a primary key, while a copy of the database
 * alone reveals nothing (a 4-digit PIN would fall to a plain hash at once). Cards compare
 * without regard to the case of their hex digits, as the device compares them.
 */
export function credentialLookup(
  key: Buffer,
  siteId: string,
  kind: 'pin' | 'card',
  value: string,
): string {
  const normal = kind === 'card' ? value.toUpperCase() : value;
  return createHmac('sha256', key).update(`${siteId}/${kind}/${normal}`).digest('hex');
}

/** The residents' credential keys bound together, as the services and the provisioning use them. */
export function createResidentCredentials(secrets: SecretBox, lookupKey: Buffer) {
  return {
    seal: (residentId: string, credentials: ResidentCredentials) =>
      sealCredentials(secrets, residentId, credentials),
    open: (residentId: string, sealed: string) => openCredentials(secrets, residentId, sealed),
    lookup: (siteId: string, kind: 'pin' | 'card', value: string) =>
      credentialLookup(lookupKey, siteId, kind, value),
  };
}

export type ResidentCredentialKeys = ReturnType<typeof createResidentCredentials>;
