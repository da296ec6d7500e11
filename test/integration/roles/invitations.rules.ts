import assert from 'node:assert/strict';
import { DEFAULT_PASSWORD, uniqueEmail } from '../../helpers/factories.ts';
import { ApiClient } from '../../helpers/http.ts';
import {
  ROLES,
  companyAdmin,
  withSuccess,
  type Role,
  type RoleFixture,
  type RouteRule,
} from './role-rules.ts';

const everyone = (status: number): Record<Role, number> =>
  Object.fromEntries(ROLES.map((role) => [role, status])) as Record<Role, number>;

/** A fresh invitation of the fixture's company, made by its admin: its id and its token. */
async function invite(f: RoleFixture): Promise<{ id: string; token: string }> {
  const made = await f.people.admin.client.post('/api/company/invitations', {
    email: uniqueEmail('invited'),
    role: 'member',
    sites: [{ siteId: f.siteA.id, role: 'viewer' }],
  });
  assert.equal(made.status, 201, made.text);
  return { id: made.body.id, token: new URL(made.body.link).hash.slice(1) };
}

/** Invitations (issue 16): admins manage them; the link's routes are open to its holder. */
export const invitationRules: RouteRule[] = [
  {
    route: 'POST /api/company/invitations',
    send: (_f, _role, client) =>
      client.post('/api/company/invitations', { email: uniqueEmail('invited'), role: 'member' }),
    expect: withSuccess(companyAdmin, 201),
  },
  {
    route: 'GET /api/company/invitations',
    send: (_f, _role, client) => client.get('/api/company/invitations'),
    expect: companyAdmin,
  },
  {
    route: 'POST /api/company/invitations/{id}/resend',
    send: async (f, _role, client) => {
      const { id } = await invite(f);
      const answer = await client.post(`/api/company/invitations/${id}/resend`);
      await f.people.admin.client.delete(`/api/company/invitations/${id}`);
      return answer;
    },
    expect: companyAdmin,
  },
  {
    route: 'DELETE /api/company/invitations/{id}',
    send: async (f, _role, client) => {
      const { id } = await invite(f);
      const answer = await client.delete(`/api/company/invitations/${id}`);
      await f.people.admin.client.delete(`/api/company/invitations/${id}`);
      return answer;
    },
    expect: withSuccess(companyAdmin, 204),
  },
  {
    // The token is the credential: whoever holds the link sees the offer.
    route: 'GET /api/invitations/{token}',
    public: true,
    send: async (f) => {
      const { id, token } = await invite(f);
      const answer = await new ApiClient(f.cloud.url).get(`/api/invitations/${token}`);
      await f.people.admin.client.delete(`/api/company/invitations/${id}`);
      return answer;
    },
    expect: everyone(200),
  },
  {
    // Not signed in: the holder of the link makes the invited account.
    route: 'POST /api/invitations/{token}/accept',
    public: true,
    send: async (f) => {
      const { token } = await invite(f);
      return new ApiClient(f.cloud.url).post(`/api/invitations/${token}/accept`, {
        name: 'Ivy Invited',
        password: DEFAULT_PASSWORD,
      });
    },
    expect: everyone(200),
  },
];
