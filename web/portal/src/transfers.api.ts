/**
 * Offers of devices or sites to another company, and requests to release a device (issue 18,
 * "Transfers with consent"), as the portal calls them. Shapes: the API contract.
 */
import type { components } from '../../../src/client/cloud.openapi.ts';
import { request, type Answer, type RequestBody } from './api.ts';

type Schemas = components['schemas'];

export type Transfer = Schemas['Transfer'];
export type TransferRequest = Schemas['TransferRequest'] & {
  /** Not in the cloud's document (its serializer never sends it); shown if a cloud gives it. */
  reason?: string | null;
};
export type TransferState = Transfer['state'];
export type TransferRequestState = TransferRequest['state'];
export type TransferDevice = Transfer['devices'][number];
export type NamedRef = Transfer['fromCompany'];

/** What POST /api/transfers and POST /api/transfer-requests answer. */
export type Created = Answer<'/api/transfers', 'post', 201>;

/** An offer names devices or one whole site, never both (TRANSFER_EMPTY otherwise). */
export type OfferInput =
  { toEmail: string; serialNumbers: string[] } | { toEmail: string; siteId: string };

export type ReleaseRequestInput = RequestBody<'/api/transfer-requests', 'post'>;

const transferPath = (id: string, verb: string) =>
  `/api/transfers/${encodeURIComponent(id)}/${verb}`;
const requestPath = (id: string, verb: string) =>
  `/api/transfer-requests/${encodeURIComponent(id)}/${verb}`;

export const transfersApi = {
  list: () => request<Answer<'/api/transfers', 'get'>>('GET', '/api/transfers'),
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
  requests: () => request<Answer<'/api/transfer-requests', 'get'>>('GET', '/api/transfer-requests'),
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
