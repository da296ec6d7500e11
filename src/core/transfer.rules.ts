import type { ErrorCode } from './errors.ts';

/** Issue 18: "The offer ... expires after 7 days"; a request to release lives as long. */
export const TRANSFER_TTL_MS = 7 * 24 * 60 * 60_000;

/** Devices one offer may name (api-contract.md: 1..500). */
export const MAX_OFFER_DEVICES = 500;

/** Requests to release one account may send in a window (issue 18: "rate-limited per account"). */
export const REQUEST_LIMIT = { maxRequests: 10, windowMs: 60 * 60_000 } as const;

export type TransferState = 'pending' | 'accepted' | 'rejected' | 'cancelled' | 'expired';
export type RequestState = 'pending' | 'approved' | 'declined' | 'cancelled' | 'expired';

/** When an offer or request made at `now` expires. */
export const expiryOf = (now: Date): string =>
  new Date(now.getTime() + TRANSFER_TTL_MS).toISOString();

/**
 * The state a stored row reads as at `now`: a pending one past its expiry is expired (stored
 * lazily, on the next read or answer).
 */
export function effectiveState<S extends string>(
  row: { state: S; expires_at: string },
  now: string,
): S | 'expired' {
  return row.state === 'pending' && row.expires_at <= now ? 'expired' : row.state;
}

/**
 * Which of the recipient's companies receives an offer (decision 18-transfers): never the
 * offering one; of the others the first where they are an admin, else their first. Null: nobody.
 */
export function receivingCompany<C extends { id: string; role: string }>(
  companies: readonly C[],
  offeringCompanyId: string,
): C | null {
  const others = companies.filter((company) => company.id !== offeringCompanyId);
  return others.find((company) => company.role === 'admin') ?? others[0] ?? null;
}

/** The facts a request to release is decided on, read with the device row locked. */
export interface RequestFacts {
  requesterCompanyId: string;
  device: {
    knownGeneration: number;
    owner: { companyId: string; claimedGeneration: number } | null;
  } | null;
  /** The generation the presented code belongs to, or null when it matches none. */
  presentedGeneration: number | null;
}

export type RequestDecision =
  { outcome: 'ask' } | { outcome: 'refused'; code: ErrorCode; guess: boolean; newerCode?: true };

/**
 * A request to release is answered like a claim for a wrong serial or code (and counted as a
 * guess, or it would be an oracle for codes); a device that is free, already the requester's,
 * or that a claim would move (its code is newer than the owner's) needs no request.
 */
export function decideRequest(facts: RequestFacts): RequestDecision {
  const { device, presentedGeneration: generation } = facts;
  if (device === null) return { outcome: 'refused', code: 'SERIAL_NOT_FOUND', guess: true };
  if (generation === null)
    return { outcome: 'refused', code: 'SECURITY_CODE_INVALID', guess: true };
  if (generation < device.knownGeneration) {
    return { outcome: 'refused', code: 'SECURITY_CODE_REPLACED', guess: true };
  }
  const { owner } = device;
  if (owner === null || owner.companyId === facts.requesterCompanyId) {
    return { outcome: 'refused', code: 'TRANSFER_REQUEST_NOT_NEEDED', guess: false };
  }
  if (generation > owner.claimedGeneration) {
    return {
      outcome: 'refused',
      code: 'TRANSFER_REQUEST_NOT_NEEDED',
      guess: false,
      newerCode: true,
    };
  }
  return { outcome: 'ask' };
}

/** How a device left an offer or a request's owner, as the ownership event tells it. */
export type EndCause = 'claim' | 'release' | 'move' | 'transfer' | 'request';

/** Why a pending offer ended because one of its devices changed hands (issue 18: "told why"). */
export function offerEndReason(serial: string, cause: EndCause): string {
  switch (cause) {
    case 'claim':
      return `Device ${serial} was added to another account with a new security code generated on the device.`;
    case 'release':
      return `Device ${serial} was deleted from its site.`;
    case 'move':
      return `Device ${serial} was moved to another site.`;
    case 'transfer':
    case 'request':
      return `Device ${serial} was handed over to another company.`;
  }
}

/** Why a pending request ended because the device left the site it was asked of. */
export function requestEndReason(serial: string, cause: EndCause): string {
  return cause === 'release'
    ? `Device ${serial} was deleted by its owner; it can now be added with its security code.`
    : `Device ${serial} is no longer in the site the request was made to.`;
}
