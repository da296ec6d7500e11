/** What the Transfers page says about offers and requests, in words (issue 18). */
import type {
  Transfer,
  TransferDevice,
  TransferRequest,
  TransferRequestState,
  TransferState,
} from './transfers.api.ts';

export const TRANSFER_STATES: Record<TransferState, string> = {
  pending: 'Waiting for an answer',
  accepted: 'Accepted',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
  expired: 'Expired: not answered within 7 days',
};

export const REQUEST_STATES: Record<TransferRequestState, string> = {
  pending: 'Waiting for the owner’s answer',
  approved: 'Approved',
  declined: 'Declined',
  cancelled: 'Cancelled',
  expired: 'Expired: not answered in time',
};

/** "in 6 days", "in 3 hours", "in 12 minutes"; "now" once it has passed. */
export function expiresIn(iso: string, now = Date.now()): string {
  const minutes = Math.round((new Date(iso).getTime() - now) / 60_000);
  if (Number.isNaN(minutes)) return iso;
  if (minutes <= 0) return 'now';
  if (minutes < 60) return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `in ${hours} hour${hours === 1 ? '' : 's'}`;
  const days = Math.round(hours / 24);
  return `in ${days} days`;
}

/** A device as a person reads it in a list: serial, model, and its name when it has one. */
export const deviceLine = (device: TransferDevice) =>
  [device.serialNumber, device.model, device.name].filter(Boolean).join(' · ');

/** What an offer contains, in one line: a whole site, or so many devices. */
export function offerSummary(transfer: Pick<Transfer, 'site' | 'devices'>): string {
  if (transfer.site) return `The whole site “${transfer.site.name}”`;
  const count = transfer.devices.length;
  return `${count} device${count === 1 ? '' : 's'}`;
}

/** The requester as the owner sees them: named only when they chose to share it. */
export const requesterText = (request: TransferRequest) =>
  request.requesterCompanyName ?? 'A company that did not share its name';
