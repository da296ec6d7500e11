/** The cloud's REST API as the portal uses it: JSON, session cookie, CSRF header. */

export interface ApiErrorBody {
  code: string;
  message: string;
  cause: string;
  hints: string[];
  fields?: { field: string; message: string }[];
  /** 422 IMPORT_HAS_ERRORS: the rows of the file, as a dry run answers them. */
  rows?: ImportRow[];
}

/** An error answer of the API, with the sentences to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
  }
  get code() {
    return this.body.code;
  }
  /** The message of one field, when the API named it. */
  field(name: string): string | undefined {
    return this.body.fields?.find((f) => f.field === name)?.message;
  }
}

export interface User {
  id: string;
  email: string;
  name: string;
}
export interface Company {
  id: string;
  name: string;
  role: string;
}
/** A company the person belongs to, with their role in it (issue 16). */
export interface Membership {
  companyId: string;
  companyName: string;
  role: CompanyRole;
}
export type CompanyRole = 'admin' | 'member';
export type SiteRole = 'site-admin' | 'viewer';
export interface Me {
  user: User;
  companies: Company[];
  /** Oldest first; absent from a cloud before issue 16 (then `companies` says the same). */
  memberships?: Membership[];
  csrfToken: string | null;
}
/** GET /api/company: the current company. */
export interface CompanyInfo {
  id: string;
  name: string;
  role: CompanyRole;
  requireTwoFactor: boolean;
}
export interface SiteGrant {
  siteId: string;
  siteName?: string;
  role: SiteRole;
}
export interface Member {
  userId: string;
  email: string;
  name: string;
  role: CompanyRole;
  sites: SiteGrant[];
  joinedAt: string;
}
export interface Invitation {
  id: string;
  email: string;
  role: CompanyRole;
  sites: SiteGrant[];
  invitedBy: string | null;
  createdAt: string;
  expiresAt: string;
}
/** The answer of creating or resending an invitation: the only place its link is shown. */
export interface SentInvitation {
  id: string;
  email: string;
  role: CompanyRole;
  sites: SiteGrant[];
  expiresAt: string;
  link: string;
}
/** GET /api/invitations/:token: what the link offers. */
export interface InvitationOffer {
  companyName: string;
  email: string;
  role: CompanyRole;
  invitedBy: string | null;
  expiresAt: string;
  accountExists: boolean;
}
export interface NotificationSettings {
  mail: Record<string, boolean>;
}
export interface Site {
  id: string;
  name: string;
  companyId: string;
  companyName: string;
  createdAt: string;
  /** The person's role on the site, when the cloud says it (else inferred, see site-page). */
  role?: SiteRole | 'admin';
  /** What kind of place it is (issue 17); absent from a cloud before it. */
  type?: SiteType;
}
export type SiteType = 'family-home' | 'apartment-building' | 'other';
export type ConfigurationMode = 'automatic' | 'manual';
/** Whether the device holds the site's directory (Auto Provisioning, issue 17). */
export interface DeviceSync {
  state: 'in-sync' | 'pending' | 'failed';
  version: number;
  since: string;
  reason?: string;
}
export interface Device {
  serialNumber: string;
  model: string;
  firmware: string | null;
  online: boolean;
  lastSeenAt: string | null;
  addedAt: string;
  /** Issue 17: absent from a cloud before it. */
  name?: string | null;
  configurationMode?: ConfigurationMode;
  sync?: DeviceSync;
}
export type DeviceAction = 'open-door' | 'restart' | 'report-state';
export interface Apartment {
  id: string;
  name: string;
  floor: string | null;
  residentCount: number;
}
/** One access right: a switch of a device of the site. */
export interface AccessRight {
  serialNumber: string;
  switch: number;
}
/** What the portal sends to create or change a resident. */
export interface ResidentInput {
  name: string;
  email?: string | null;
  apartmentId: string;
  pins: string[];
  cards: string[];
  validFrom?: string | null;
  validTo?: string | null;
  enabled: boolean;
  access: AccessRight[];
  callTarget?: string | null;
}
export interface Resident {
  id: string;
  apartmentId: string;
  apartmentName: string;
  name: string;
  email: string | null;
  pins: string[];
  cards: string[];
  validFrom: string | null;
  validTo: string | null;
  enabled: boolean;
  callTarget: string | null;
  access: AccessRight[];
  /** Viewers do not see PINs and cards: the lists are empty and this says why. */
  credentialsHidden?: boolean;
}
export interface ImportRow {
  row: number;
  outcome: 'create' | 'update' | 'error';
  errors?: { field: string; message: string }[];
}
export interface ImportResult {
  dryRun: boolean;
  rows: ImportRow[];
  created: number;
  updated: number;
  errors: number;
}
export interface AccessLogEntry {
  id: string;
  at: string;
  serialNumber: string;
  deviceName?: string | null;
  /** null when the decision opened no switch (a refusal). */
  switch: number | null;
  granted: boolean;
  credential: 'pin' | 'card' | 'code' | 'remote';
  residentId?: string | null;
  residentName?: string | null;
  apartmentName?: string | null;
  reason?: string | null;
}
export interface AccessLogFilter {
  serialNumber?: string;
  granted?: boolean;
}
export interface Notification {
  id: string;
  kind: string;
  title: string;
  body: string;
  siteId: string | null;
  serialNumber: string | null;
  createdAt: string;
  readAt: string | null;
}
export interface AuditEvent {
  id: string;
  action: string;
  outcome: string;
  errorCode: string | null;
  serialNumber: string | null;
  actor: string | null;
  ip: string | null;
  detail: Record<string, unknown>;
  createdAt: string;
  /** Company audit (GET /api/audit): the site an event is about, if any. */
  siteId?: string | null;
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

let csrfToken: string | null = null;
let onSessionExpired: (() => void) | null = null;
let companyId: string | null = null;
let onCompanyGone: (() => void) | null = null;

export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

/** The current company, sent as X-Company-Id with every request (null: the cloud's default). */
export function setCompanyId(id: string | null) {
  companyId = id;
}

/**
 * Called when the current company answers 404 COMPANY_NOT_FOUND: the person was removed from
 * it (or left it in another tab), so the portal reloads their memberships.
 */
export function setCompanyGoneHandler(handler: (() => void) | null) {
  onCompanyGone = handler;
}

/**
 * Requests that are about the person, not a company: sign-in, who am I, and invitation links
 * (which name their company themselves). A stale company id must never break them.
 */
const companyFree = (method: string, path: string) =>
  path.startsWith('/api/auth/') ||
  path.startsWith('/api/invitations/') ||
  (method === 'GET' && path === '/api/me');

/** Called when an API call answers 401 UNAUTHENTICATED (the session expired or was closed). */
export function setSessionExpiredHandler(handler: (() => void) | null) {
  onSessionExpired = handler;
}

const NETWORK_ERROR: ApiErrorBody = {
  code: 'NETWORK',
  message: 'The cloud cannot be reached.',
  cause: 'The request did not get an answer; the server may be down or the network interrupted.',
  hints: ['Check your connection and try again.'],
};

/** A body sent as it is (a CSV file), not as JSON. */
export class RawBody {
  constructor(
    readonly text: string,
    readonly contentType: string,
  ) {}
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body instanceof RawBody) headers['Content-Type'] = body.contentType;
  else if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const sentCompany = companyFree(method, path) ? null : companyId;
  if (sentCompany) headers['X-Company-Id'] = sentCompany;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body:
        body === undefined ? undefined : body instanceof RawBody ? body.text : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, NETWORK_ERROR);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error =
      data && typeof data === 'object' && 'error' in data
        ? (data as { error: ApiErrorBody }).error
        : {
            code: 'HTTP_' + response.status,
            message: `The cloud answered ${response.status}.`,
            cause: 'The answer was not what the portal expected.',
            hints: ['Try again in a moment.'],
          };
    // Too many attempts: say when to try again, in minutes rather than as a header name.
    const retryAfter = Number(response.headers.get('Retry-After'));
    if (error.code === 'TOO_MANY_ATTEMPTS' && retryAfter > 0) {
      const minutes = Math.max(1, Math.ceil(retryAfter / 60));
      error.hints = [
        `You can try again in about ${minutes} minute${minutes === 1 ? '' : 's'}.`,
        ...error.hints.filter((hint) => !hint.includes('Retry-After')),
      ];
    }
    const apiError = new ApiError(response.status, error);
    if (error.code === 'UNAUTHENTICATED' && !path.startsWith('/api/auth/')) onSessionExpired?.();
    // Only when a company was named: without one there is nothing else to fall back to.
    if (error.code === 'COMPANY_NOT_FOUND' && sentCompany && sentCompany === companyId) {
      onCompanyGone?.();
    }
    throw apiError;
  }
  return data as T;
}

const sitePath = (siteId: string) => `/api/sites/${encodeURIComponent(siteId)}`;
const siteDevice = (siteId: string, serialNumber: string) =>
  `${sitePath(siteId)}/devices/${encodeURIComponent(serialNumber)}`;

const q = (cursor?: string | null) => (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');

export const api = {
  me: () => request<Me>('GET', '/api/me'),
  register: (input: { email: string; password: string; name: string; companyName?: string }) =>
    request<{ user: User; company: Company; csrfToken: string }>(
      'POST',
      '/api/auth/register',
      input,
    ),
  login: (input: { email: string; password: string }) =>
    request<{ user: User; csrfToken: string }>('POST', '/api/auth/login', input),
  logout: () => request<void>('POST', '/api/auth/logout'),
  requestPasswordReset: (email: string) =>
    request<{ status: string }>('POST', '/api/auth/password-reset', { email }),
  resetPassword: (token: string, password: string) =>
    request<void>('POST', `/api/auth/password-reset/${encodeURIComponent(token)}`, { password }),
  sites: (cursor?: string | null) => request<Page<Site>>('GET', `/api/sites?limit=200${q(cursor)}`),
  site: (id: string) => request<Site>('GET', `/api/sites/${encodeURIComponent(id)}`),
  // 'other' is the cloud's default: left out, so that a cloud before issue 17 takes it too.
  createSite: (name: string, type: SiteType) =>
    request<Site>('POST', '/api/sites', type === 'other' ? { name } : { name, type }),
  renameSite: (id: string, name: string) =>
    request<Site>('PATCH', `/api/sites/${encodeURIComponent(id)}`, { name }),
  devices: (siteId: string, cursor?: string | null) =>
    request<Page<Device>>(
      'GET',
      `/api/sites/${encodeURIComponent(siteId)}/devices?limit=200${q(cursor)}`,
    ),
  addDevice: (siteId: string, serialNumber: string, securityCode: string) =>
    request<{ outcome: 'added' | 'moved'; device: Device }>(
      'POST',
      `/api/sites/${encodeURIComponent(siteId)}/devices`,
      { serialNumber, securityCode },
    ),
  deleteDevice: (siteId: string, serialNumber: string) =>
    request<void>(
      'DELETE',
      `/api/sites/${encodeURIComponent(siteId)}/devices/${encodeURIComponent(serialNumber)}`,
    ),
  updateDevice: (
    siteId: string,
    serialNumber: string,
    input: { configurationMode?: ConfigurationMode; name?: string | null },
  ) => request<Device>('PATCH', `${siteDevice(siteId, serialNumber)}`, input),
  syncDevice: (siteId: string, serialNumber: string) =>
    request<unknown>('POST', `${siteDevice(siteId, serialNumber)}/sync`),
  deviceAction: (siteId: string, serialNumber: string, action: DeviceAction, sw?: number) =>
    request<{ action: DeviceAction; answer: unknown }>(
      'POST',
      `${siteDevice(siteId, serialNumber)}/actions`,
      sw === undefined ? { action } : { action, switch: sw },
    ),
  apartments: (siteId: string, cursor?: string | null) =>
    request<Page<Apartment>>('GET', `${sitePath(siteId)}/apartments?limit=200${q(cursor)}`),
  createApartment: (siteId: string, input: { name: string; floor?: string | null }) =>
    request<Apartment>('POST', `${sitePath(siteId)}/apartments`, input),
  updateApartment: (siteId: string, id: string, input: { name: string; floor?: string | null }) =>
    request<Apartment>('PATCH', `${sitePath(siteId)}/apartments/${encodeURIComponent(id)}`, input),
  deleteApartment: (siteId: string, id: string) =>
    request<void>('DELETE', `${sitePath(siteId)}/apartments/${encodeURIComponent(id)}`),
  residents: (siteId: string, cursor?: string | null) =>
    request<Page<Resident>>('GET', `${sitePath(siteId)}/residents?limit=200${q(cursor)}`),
  createResident: (siteId: string, input: ResidentInput) =>
    request<Resident>('POST', `${sitePath(siteId)}/residents`, input),
  updateResident: (siteId: string, id: string, input: Partial<ResidentInput>) =>
    request<Resident>('PATCH', `${sitePath(siteId)}/residents/${encodeURIComponent(id)}`, input),
  deleteResident: (siteId: string, id: string) =>
    request<void>('DELETE', `${sitePath(siteId)}/residents/${encodeURIComponent(id)}`),
  importResidents: (siteId: string, csv: string, dryRun: boolean) =>
    request<ImportResult>(
      'POST',
      `${sitePath(siteId)}/residents/import${dryRun ? '?dryRun=true' : ''}`,
      new RawBody(csv, 'text/csv'),
    ),
  accessLog: (siteId: string, filter: AccessLogFilter, cursor?: string | null) => {
    const params = new URLSearchParams({ limit: '100' });
    if (filter.serialNumber) params.set('serialNumber', filter.serialNumber);
    if (filter.granted !== undefined) params.set('granted', String(filter.granted));
    if (cursor) params.set('cursor', cursor);
    return request<Page<AccessLogEntry>>('GET', `${sitePath(siteId)}/access-log?${params}`);
  },
  notifications: () =>
    request<Page<Notification> & { unreadCount: number }>('GET', '/api/notifications?limit=50'),
  markRead: (ids?: string[]) =>
    request<void>('POST', '/api/notifications/read', ids ? { ids } : {}),
  audit: (siteId: string) =>
    request<Page<AuditEvent>>('GET', `/api/sites/${encodeURIComponent(siteId)}/audit?limit=100`),
  markOneRead: (id: string) =>
    request<void>('POST', `/api/notifications/${encodeURIComponent(id)}/read`),
  notificationSettings: () => request<NotificationSettings>('GET', '/api/me/notification-settings'),
  saveNotificationSettings: (settings: NotificationSettings) =>
    request<NotificationSettings>('PUT', '/api/me/notification-settings', settings),
  company: () => request<CompanyInfo>('GET', '/api/company'),
  members: () => request<{ items: Member[] }>('GET', '/api/company/members'),
  updateMember: (userId: string, input: { role: CompanyRole; sites: SiteGrant[] }) =>
    request<Member>('PATCH', `/api/company/members/${encodeURIComponent(userId)}`, {
      role: input.role,
      sites: input.sites.map(({ siteId, role }) => ({ siteId, role })),
    }),
  removeMember: (userId: string) =>
    request<void>('DELETE', `/api/company/members/${encodeURIComponent(userId)}`),
  invitations: () => request<{ items: Invitation[] }>('GET', '/api/company/invitations'),
  invite: (input: { email: string; role: CompanyRole; sites: SiteGrant[] }) =>
    request<SentInvitation>('POST', '/api/company/invitations', {
      email: input.email,
      role: input.role,
      ...(input.role === 'member'
        ? { sites: input.sites.map(({ siteId, role }) => ({ siteId, role })) }
        : {}),
    }),
  resendInvitation: (id: string) =>
    request<SentInvitation>('POST', `/api/company/invitations/${encodeURIComponent(id)}/resend`),
  revokeInvitation: (id: string) =>
    request<void>('DELETE', `/api/company/invitations/${encodeURIComponent(id)}`),
  invitation: (token: string) =>
    request<InvitationOffer>('GET', `/api/invitations/${encodeURIComponent(token)}`),
  acceptInvitation: (token: string, account?: { name: string; password: string }) =>
    request<{ companyId: string; companyName: string; role: CompanyRole }>(
      'POST',
      `/api/invitations/${encodeURIComponent(token)}/accept`,
      account ?? {},
    ),
  companyAudit: (cursor?: string | null) =>
    request<Page<AuditEvent>>('GET', `/api/audit?limit=100${q(cursor)}`),
};

/** The person's memberships, oldest first (from `companies` on a cloud before issue 16). */
export function membershipsOf(me: Me): Membership[] {
  return (
    me.memberships ??
    me.companies.map((c) => ({
      companyId: c.id,
      companyName: c.name,
      role: c.role === 'admin' ? 'admin' : 'member',
    }))
  );
}

/** All pages of a list. */
export async function all<T>(load: (cursor: string | null) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await load(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** An image of the firmware catalogue (issue 19), as GET /api/firmware lists it. */
export interface FirmwareImage {
  id: string;
  model: string;
  version: string;
  sha256: string;
  bytes: number;
  filename: string;
  scope: 'operator' | 'company';
  createdAt: string;
}

/**
 * POSTs a file as the raw body with XMLHttpRequest, because fetch reports no upload progress;
 * `onProgress` gets the fraction sent. Answers like `request`: the JSON, or throws ApiError.
 */
export function uploadFile<T>(
  path: string,
  file: Blob,
  onProgress: (fraction: number) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken);
    if (companyId) xhr.setRequestHeader('X-Company-Id', companyId);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onerror = () => reject(new ApiError(0, NETWORK_ERROR));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        reject(new ApiError(xhr.status, NETWORK_ERROR));
        return;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
      else reject(new ApiError(xhr.status, (body as { error: ApiErrorBody }).error));
    };
    xhr.send(file);
  });
}
