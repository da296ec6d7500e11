import { effectiveState } from '../../core/transfer.rules.ts';
import type { TransferRequestRow } from '../store/repos/transfer-requests.repo.ts';
import type { TransferRow } from '../store/repos/transfers.repo.ts';
import type { NotificationDraft } from './notifications.service.ts';

/** A device an offer names, as transfersRepo.itemsOf reads it. */
export interface TransferItemRow {
  transfer_id: string;
  serial_number: string;
  source_site_id: string;
  model: string;
  name: string | null;
}

/** The devices of several offers, by offer id (a listing reads them in one statement). */
export function itemsByTransfer(items: readonly TransferItemRow[]) {
  const byId = new Map<string, TransferItemRow[]>();
  for (const item of items)
    byId.set(item.transfer_id, [...(byId.get(item.transfer_id) ?? []), item]);
  return byId;
}

/** An offer as GET /api/transfers shows it (api-contract.md "Transfer"); `items`: its devices. */
export function publicTransfer(row: TransferRow, items: readonly TransferItemRow[], now: string) {
  return {
    id: row.id,
    state: effectiveState(row, now),
    fromCompany: { id: row.from_company_id, name: row.from_company_name },
    toCompany: { id: row.to_company_id, name: row.to_company_name },
    toEmail: row.to_email,
    site: row.site_id === null ? null : { id: row.site_id, name: row.site_name ?? '' },
    devices: items.map((item) => ({
      serialNumber: item.serial_number,
      model: item.model,
      name: item.name,
    })),
    reason: row.reason,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    answeredAt: row.answered_at,
  };
}

export type PublicTransfer = ReturnType<typeof publicTransfer>;

/**
 * A request as GET /api/transfer-requests shows it to one side (api-contract.md
 * "TransferRequest"): the owner sees its own site and the requester's company only if shared;
 * the requester sees the site it chose, and never who the owner is.
 */
export function publicRequest(row: TransferRequestRow, side: 'sent' | 'received', now: string) {
  const received = side === 'received';
  return {
    id: row.id,
    state: effectiveState(row, now),
    serialNumber: row.serial_number,
    model: row.model,
    site: received
      ? { id: row.owner_site_id, name: row.owner_site_name ?? '' }
      : { id: row.site_id, name: row.requester_site_name ?? '' },
    requesterCompanyName:
      received && row.share_company_name === 1 ? row.requester_company_name : null,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    answeredAt: row.answered_at,
  };
}

export type PublicRequest = ReturnType<typeof publicRequest>;

/** What an offer contains, in a sentence of a notice. */
const contents = (transfer: { siteName: string | null; serials: readonly string[] }) =>
  transfer.siteName !== null
    ? `the site "${transfer.siteName}" with its ${transfer.serials.length} device(s)`
    : transfer.serials.length === 1
      ? `the device ${transfer.serials[0]}`
      : `${transfer.serials.length} devices (${transfer.serials.slice(0, 5).join(', ')}${transfer.serials.length > 5 ? ', ...' : ''})`;

export interface OfferSummary {
  companyId: string;
  fromCompanyName: string;
  siteName: string | null;
  serials: readonly string[];
}

/** To the receiving company's admins: an offer waits for their answer (7 days). */
export const offeredNotice = (offer: OfferSummary): NotificationDraft => ({
  kind: 'transfer-offered',
  title: `${offer.fromCompanyName} offers you ${contents(offer)}`,
  body: `${offer.fromCompanyName} offers your company ${contents(offer)}. Open Transfers to accept it into one of your sites or to reject it. The offer expires in 7 days; until it is answered everything stays with ${offer.fromCompanyName}.`,
  siteId: null,
  companyId: offer.companyId,
  serialNumber: offer.serials.length === 1 ? offer.serials[0]! : null,
});

/** To the offering side: the other company answered. */
export const answeredNotice = (
  offer: {
    companyId: string;
    toCompanyName: string;
    siteName: string | null;
    serials: readonly string[];
  },
  accepted: boolean,
): NotificationDraft => ({
  kind: 'transfer-answered',
  title: `${offer.toCompanyName} ${accepted ? 'accepted' : 'rejected'} your offer of ${contents(offer)}`,
  body: accepted
    ? `${offer.toCompanyName} accepted your offer of ${contents(offer)}. It now belongs to them; its history stays in your audit log.`
    : `${offer.toCompanyName} rejected your offer of ${contents(offer)}. Nothing changed: everything stays with you.`,
  siteId: null,
  companyId: offer.companyId,
  serialNumber: offer.serials.length === 1 ? offer.serials[0]! : null,
});

/** To either side: a pending offer ended without an answer, and why. */
export const cancelledNotice = (
  offer: { companyId: string; siteName: string | null; serials: readonly string[] },
  reason: string,
): NotificationDraft => ({
  kind: 'transfer-cancelled',
  title: `The offer of ${contents(offer)} was cancelled`,
  body: `The pending offer of ${contents(offer)} was cancelled. ${reason}`,
  siteId: null,
  companyId: offer.companyId,
  serialNumber: offer.serials.length === 1 ? offer.serials[0]! : null,
});

/** To the owner site's admins: someone holding the current code asks for the device. */
export const requestNotice = (request: {
  serial: string;
  site: { id: string; name: string };
  requesterCompanyName: string | null;
}): NotificationDraft => {
  const who = request.requesterCompanyName ?? 'Someone';
  return {
    kind: 'transfer-request',
    title: `${who} asks you to release the device ${request.serial}`,
    body: `${who} holds the serial number and the current security code of the device ${request.serial} of your site "${request.site.name}" and asks you to release it to their account. Open Transfers to approve or decline. Nothing changes unless you approve.`,
    siteId: request.site.id,
    serialNumber: request.serial,
  };
};

/** To the requester: approved (the device is in their site) or declined (nothing more). */
export const requestAnsweredNotice = (
  request: { serial: string; siteId: string; siteName: string },
  approved: boolean,
): NotificationDraft => ({
  kind: 'transfer-request-answered',
  title: `Your request for the device ${request.serial} was ${approved ? 'approved' : 'declined'}`,
  body: approved
    ? `The owner released the device ${request.serial}: it is now in your site "${request.siteName}".`
    : `Your request to release the device ${request.serial} was declined.`,
  siteId: request.siteId,
  serialNumber: request.serial,
});

/** To the requester: the request ended without an answer, and why. */
export const requestCancelledNotice = (
  request: { serial: string; siteId: string },
  reason: string,
): NotificationDraft => ({
  kind: 'transfer-cancelled',
  title: `Your request for the device ${request.serial} ended`,
  body: `Your request to release the device ${request.serial} ended without an answer. ${reason}`,
  siteId: request.siteId,
  serialNumber: request.serial,
});
