/** The cloud's REST API as the portal uses it: JSON, session cookie, CSRF header. */

export interface ApiErrorBody {
  code: string;
  message: string;
  cause: string;
  hints: string[];
  fields?: { field: string; message: string }[];
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
export interface Me {
  user: User;
  companies: Company[];
  csrfToken: string | null;
}
export interface Site {
  id: string;
  name: string;
  companyId: string;
  companyName: string;
  createdAt: string;
}
export interface Device {
  serialNumber: string;
  model: string;
  firmware: string | null;
  online: boolean;
  lastSeenAt: string | null;
  addedAt: string;
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
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

let csrfToken: string | null = null;
let onSessionExpired: (() => void) | null = null;

export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

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

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
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
    throw apiError;
  }
  return data as T;
}

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
  createSite: (name: string) => request<Site>('POST', '/api/sites', { name }),
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
  notifications: () =>
    request<Page<Notification> & { unreadCount: number }>('GET', '/api/notifications?limit=50'),
  markRead: (ids?: string[]) =>
    request<void>('POST', '/api/notifications/read', ids ? { ids } : {}),
  audit: (siteId: string) =>
    request<Page<AuditEvent>>('GET', `/api/sites/${encodeURIComponent(siteId)}/audit?limit=100`),
};

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
