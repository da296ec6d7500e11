import type { ErrorCode } from './errors.ts';

/** What the cloud knows when someone claims a device; gathered inside the claim transaction. */
export interface ClaimFacts {
  /** The site the device is being added to. */
  targetSiteId: string;
  /** The registry row, or null when the serial was never minted. */
  device: {
    knownGeneration: number;
    owner: { siteId: string; claimedGeneration: number } | null;
  } | null;
  /** The generation the presented code belongs to, or null when it matches none in the window. */
  presentedGeneration: number | null;
}

/** The outcome of a claim (DESIGN.md "Claim rules"). */
export type ClaimDecision =
  | { outcome: 'added'; generation: number; knownGeneration: number }
  | { outcome: 'moved'; generation: number; knownGeneration: number; fromSiteId: string }
  | { outcome: 'refused'; code: ClaimRefusal };

export type ClaimRefusal = Extract<
  ErrorCode,
  | 'SERIAL_NOT_FOUND'
  | 'SECURITY_CODE_INVALID'
  | 'SECURITY_CODE_REPLACED'
  | 'ALREADY_IN_THIS_SITE'
  | 'DEVICE_ALREADY_ADDED'
>;

/**
 * Decides a claim, row by row in the order of DESIGN.md's claim-rules table. Validation and rate
 * limits come before and are not decided here; everything after them is.
 */
export function decideClaim(facts: ClaimFacts): ClaimDecision {
  const { device, presentedGeneration: generation, targetSiteId } = facts;
  if (device === null) return { outcome: 'refused', code: 'SERIAL_NOT_FOUND' };
  if (generation === null) return { outcome: 'refused', code: 'SECURITY_CODE_INVALID' };
  if (generation < device.knownGeneration) {
    return { outcome: 'refused', code: 'SECURITY_CODE_REPLACED' };
  }
  // The code is valid and current: a newer code presented while the device was offline raises
  // what the cloud knows (DESIGN.md "Security codes").
  const knownGeneration = Math.max(device.knownGeneration, generation);
  const { owner } = device;
  if (owner === null) return { outcome: 'added', generation, knownGeneration };
  if (owner.siteId === targetSiteId) return { outcome: 'refused', code: 'ALREADY_IN_THIS_SITE' };
  if (generation <= owner.claimedGeneration) {
    return { outcome: 'refused', code: 'DEVICE_ALREADY_ADDED' };
  }
  return { outcome: 'moved', generation, knownGeneration, fromSiteId: owner.siteId };
}
