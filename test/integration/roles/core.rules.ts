import { DEFAULT_PASSWORD, uniqueEmail } from '../../helpers/factories.ts';
import { ApiClient } from '../../helpers/http.ts';
import {
  companyAdmin,
  companyMember,
  everyone,
  manageSite,
  readSite,
  withSuccess,
  type Role,
  type RouteRule,
} from './role-rules.ts';

/** A second session of the person, for requests that end one. */
const freshSession = async (baseUrl: string, email: string, companyId?: string) => {
  const client = new ApiClient(baseUrl);
  await client.post('/api/auth/login', { email, password: DEFAULT_PASSWORD });
  client.companyId = companyId;
  return client;
};

/** Sign-up, sign-in and the account: the same for every role. */
export const accountRules: RouteRule[] = [
  {
    route: 'POST /api/auth/register',
    public: true,
    send: (f) =>
      new ApiClient(f.cloud.url).post('/api/auth/register', {
        email: uniqueEmail('new'),
        password: DEFAULT_PASSWORD,
        name: 'New person',
      }),
    expect: everyone(201),
  },
  {
    route: 'POST /api/auth/login',
    public: true,
    send: (f, role) =>
      new ApiClient(f.cloud.url).post('/api/auth/login', {
        email: f.people[role].email,
        password: DEFAULT_PASSWORD,
      }),
    expect: everyone(200),
  },
  {
    route: 'POST /api/auth/password-reset',
    public: true,
    send: (f, role) =>
      new ApiClient(f.cloud.url).post('/api/auth/password-reset', { email: f.people[role].email }),
    expect: everyone(202),
  },
  {
    route: 'POST /api/auth/password-reset/{token}',
    public: true,
    send: (f) =>
      new ApiClient(f.cloud.url).post('/api/auth/password-reset/not-a-token', {
        password: 'a new password of my own',
      }),
    expect: everyone(410),
  },
  {
    route: 'POST /api/auth/logout',
    account: true,
    send: async (f, role) =>
      (await freshSession(f.cloud.url, f.people[role].email)).post('/api/auth/logout'),
    expect: everyone(204),
  },
  {
    route: 'GET /api/me',
    account: true,
    send: (_f, _role, client) => client.get('/api/me'),
    expect: everyone(200),
  },
  {
    route: 'PATCH /api/me',
    account: true,
    send: (f, role, client) => client.patch('/api/me', { name: f.people[role].user.name }),
    expect: everyone(200),
  },
  {
    route: 'POST /api/me/password',
    account: true,
    send: (_f, _role, client) =>
      client.post('/api/me/password', {
        currentPassword: DEFAULT_PASSWORD,
        newPassword: DEFAULT_PASSWORD,
      }),
    expect: everyone(204),
  },
  {
    route: 'GET /api/sessions',
    account: true,
    send: (_f, _role, client) => client.get('/api/sessions'),
    expect: everyone(200),
  },
  {
    route: 'DELETE /api/sessions/{id}',
    account: true,
    send: async (f, role, client) => {
      const other = await freshSession(f.cloud.url, f.people[role].email);
      const sessions = (await other.get('/api/sessions')).body.items as {
        id: string;
        current: boolean;
      }[];
      return client.delete(`/api/sessions/${sessions.find((s) => s.current)!.id}`);
    },
    expect: everyone(204),
  },
  {
    route: 'POST /api/tokens',
    account: true,
    send: (_f, _role, client) => client.post('/api/tokens', { name: 'role table' }),
    expect: withSuccess(companyMember, 201),
  },
  {
    route: 'GET /api/tokens',
    account: true,
    send: (_f, _role, client) => client.get('/api/tokens'),
    expect: everyone(200),
  },
  {
    route: 'DELETE /api/tokens/{id}',
    account: true,
    send: async (f, role, client) => {
      const made = await client.post('/api/tokens', { name: 'to revoke' }, ownCompany(f, role));
      return client.delete(`/api/tokens/${made.body.id}`);
    },
    expect: everyone(204),
  },
];

/** X-Company-Id of the person's own company (a stranger cannot make tokens in ours). */
export const ownCompany = (f: { people: Record<Role, { company: { id: string } }> }, role: Role) =>
  role === 'stranger' ? { headers: { 'x-company-id': f.people.stranger.company.id } } : {};

/** Sites, devices and audits: what each role may do on site A. */
export const siteRules: RouteRule[] = [
  {
    route: 'GET /api/sites',
    send: (_f, _role, client) => client.get('/api/sites'),
    expect: companyMember,
  },
  {
    route: 'POST /api/sites',
    send: (_f, _role, client) => client.post('/api/sites', { name: 'Another building' }),
    expect: withSuccess(companyAdmin, 201),
  },
  {
    route: 'GET /api/sites/{siteId}',
    send: (f, _role, client) => client.get(`/api/sites/${f.siteA.id}`),
    expect: readSite,
  },
  {
    route: 'PATCH /api/sites/{siteId}',
    send: (f, _role, client) => client.patch(`/api/sites/${f.siteA.id}`, { name: 'Site A' }),
    expect: manageSite,
  },
  {
    route: 'GET /api/sites/{siteId}/devices',
    send: (f, _role, client) => client.get(`/api/sites/${f.siteA.id}/devices`),
    expect: readSite,
  },
  {
    route: 'POST /api/sites/{siteId}/devices',
    send: (f, role, client) => {
      const device = f.devices[role].shift()!;
      return client.post(`/api/sites/${f.siteA.id}/devices`, {
        serialNumber: device.serialNumber,
        securityCode: device.securityCode,
      });
    },
    expect: withSuccess(manageSite, 201),
  },
  {
    route: 'DELETE /api/sites/{siteId}/devices/{serialNumber}',
    send: (f, role, client) =>
      client.delete(`/api/sites/${f.siteA.id}/devices/${f.onSiteA[role].shift()!.serialNumber}`),
    expect: withSuccess(manageSite, 204),
  },
  {
    route: 'GET /api/sites/{siteId}/audit',
    send: (f, _role, client) => client.get(`/api/sites/${f.siteA.id}/audit`),
    expect: { ...manageSite },
  },
  {
    route: 'GET /api/company',
    send: (_f, _role, client) => client.get('/api/company'),
    expect: companyMember,
  },
  {
    route: 'PATCH /api/company',
    send: (_f, _role, client) => client.patch('/api/company', { requireTwoFactor: false }),
    expect: companyAdmin,
  },
  {
    route: 'GET /api/audit',
    send: (_f, _role, client) => client.get('/api/audit'),
    expect: companyAdmin,
  },
];

/** Notifications and live updates (the person's own, of the current company). */
export const activityRules: RouteRule[] = [
  {
    route: 'GET /api/notifications',
    // The current company's notifications (X-Company-Id): a stranger asking ours gets 404.
    send: (_f, _role, client) => client.get('/api/notifications'),
    expect: companyMember,
  },
  {
    route: 'POST /api/notifications/read',
    send: (_f, _role, client) => client.post('/api/notifications/read', {}),
    expect: withSuccess(companyMember, 204),
  },
  {
    route: 'GET /api/events',
    send: async (f, _role, client) => {
      // The stream stays open: its status is what the table is about.
      const controller = new AbortController();
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (client.session) headers.cookie = `latchkey_session=${client.session}`;
      if (client.bearer) headers.authorization = `Bearer ${client.bearer}`;
      if (client.companyId) headers['x-company-id'] = client.companyId;
      const response = await fetch(`${f.cloud.url}/api/events`, {
        headers,
        signal: controller.signal,
      });
      const text = response.status === 200 ? '' : await response.text();
      controller.abort();
      return {
        status: response.status,
        headers: response.headers,
        text,
        body: text ? JSON.parse(text) : undefined,
      };
    },
    // In the current company (X-Company-Id): a stranger asking ours gets 404.
    expect: companyMember,
  },
];
