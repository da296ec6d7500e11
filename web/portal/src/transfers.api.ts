/**
 * Offers of devices or sites to another company, and requests to release a device (issue 18,
 * "Transfers with consent"), as the portal calls them. Shapes: the API contract.
 */
import { request } from './api.ts';

export type TransferState = 'pending' | 'accepted' | 'rejected' | 'cancelled' | 'expired';
export type TransferRequestState = 'pending' | 'approved' | 'declined' | 'cancelled' | 'expired';

export interface NamedRef {
  id: string;
  name: string;
}

export interface TransferDevice {
  serialNumber: string;
  model: string;
  /** The display name in its site, if it has one. */
  name: string | null;
}

export interface Transfer {
  id: string;
  state: TransferState;
  fromCompany: NamedRef;
  toCompany: NamedRef;
  toEmail: string;
  /** The whole site offered, else null (an offer of devices). */
  site: NamedRef | null;
  devices: TransferDevice[];
  /** Why it ended without an answer (a claim by a new code, expiry…). */
  reason: string | null;
  createdAt: string;
  expiresAt: string;
  answeredAt: string | null;
}

export interface TransferRequest {
  id: string;
  state: TransferRequestState;
  serialNumber: string;
  model: string;
  /** Received: the owner's site holding the device; sent: the requester's chosen site. */
  site: NamedRef;
  /** Received only, and only when the requester chose to share it. */
  requesterCompanyName: string | null;
  /** Absent from the contract; shown when the cloud gives it. */
  reason?: string | null;
  createdAt: string;
  expiresAt: string;
  answeredAt: string | null;
}

/** What POST /api/transfers and POST /api/transfer-requests answer. */
export interface Created {
  id: string;
  state: 'pending';
  expiresAt: string;
}

/** An offer names devices or one whole site, never both (TRANSFER_EMPTY otherwise). */
export type OfferInput =
  { toEmail: string; serialNumbers: string[] } | { toEmail: string; siteId: string };

export interface ReleaseRequestInput {
  serialNumber: string;
  securityCode: string;
  siteId: string;
  shareCompanyName: boolean;
}

const transferPath = (id: string, verb: string) =>
  `/api/transfers/${encodeURIComponent(id)}/${verb}`;
const requestPath = (id: string, verb: string) =>
  `/api/transfer-requests/${encodeURIComponent(id)}/${verb}`;

export const transfersApi = {
  list: () => request<{ offered: Transfer[]; received: Transfer[] }>('GET', '/api/transfers'),
  offer: (input: OfferInput) => request<Created>('POST', '/api/transfers', input),
  /** siteId: one of the receiver's sites for an offer of devices; none for a whole site. */
  accept: (id: string, siteId?: string) =>
    request<{ transfer: Transfer }>(
      'POST',
      transferPath(id, 'accept'),
      siteId === undefined ? {} : { siteId },
    ),
  reject: (id: string) => request<{ transfer: Transfer }>('POST', transferPath(id, 'reject')),
  cancel: (id: string) => request<{ transfer: Transfer }>('POST', transferPath(id, 'cancel')),
  requests: () =>
    request<{ sent: TransferRequest[]; received: TransferRequest[] }>(
      'GET',
      '/api/transfer-requests',
    ),
  requestRelease: (input: ReleaseRequestInput) =>
    request<Created>('POST', '/api/transfer-requests', input),
  approve: (id: string) =>
    request<{ request: TransferRequest }>('POST', requestPath(id, 'approve')),
  decline: (id: string) =>
    request<{ request: TransferRequest }>('POST', requestPath(id, 'decline')),
};

/** How many received offers and requests wait for this company's answer (the nav badge). */
export async function pendingForUs(): Promise<number> {
  const [transfers, requests] = await Promise.all([transfersApi.list(), transfersApi.requests()]);
  return (
    transfers.received.filter((t) => t.state === 'pending').length +
    requests.received.filter((r) => r.state === 'pending').length
  );
}
