import { joinCompany, registerAccount } from '../../helpers/factories.ts';
import { companyAdmin, withSuccess, type RouteRule } from './role-rules.ts';

/** Members of the company (issue 16): admins only; leaving oneself is in members.test.ts. */
export const memberRules: RouteRule[] = [
  {
    route: 'GET /api/company/members',
    send: (_f, _role, client) => client.get('/api/company/members'),
    expect: companyAdmin,
  },
  {
    // Sets the viewer's grants to what they are already: repeatable, and the fixture stays.
    route: 'PATCH /api/company/members/{userId}',
    send: (f, _role, client) =>
      client.patch(`/api/company/members/${f.people.viewer.user.id}`, {
        role: 'member',
        sites: [{ siteId: f.siteA.id, role: 'viewer' }],
      }),
    expect: companyAdmin,
  },
  {
    // A new member each time, so that every role and credential has someone to remove.
    route: 'DELETE /api/company/members/{userId}',
    send: async (f, _role, client) => {
      const person = await registerAccount(f.cloud, { name: 'Rita Removable' });
      await joinCompany(f.cloud, person, f.companyId, 'member', [
        { siteId: f.siteA.id, role: 'viewer' },
      ]);
      return client.delete(`/api/company/members/${person.user.id}`);
    },
    expect: withSuccess(companyAdmin, 204),
  },
];
