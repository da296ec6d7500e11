import { companyMember, readSite, type RoleFixture, type RouteRule } from './role-rules.ts';

/** A device site A owns now (other rules move or delete some of the fixture's). */
async function deviceOnSiteA(f: RoleFixture): Promise<string> {
  const row = await f.cloud.store.db
    .selectFrom('ownerships')
    .select('serial_number')
    .where('site_id', '=', f.siteA.id)
    .orderBy('serial_number')
    .executeTakeFirstOrThrow();
  return row.serial_number;
}

/** Issue 18: moves between own sites, the company-wide search and the device page. */
export const deviceRules: RouteRule[] = [
  {
    route: 'POST /api/devices/{serialNumber}/move',
    send: async (f, _role, client) =>
      client.post(`/api/devices/${await deviceOnSiteA(f)}/move`, { siteId: f.siteB.id }),
    // A move needs site:manage on both sites: site A's site-admin does not see site B.
    expect: { admin: 200, siteAdmin: 404, viewer: 403, otherSite: 404, stranger: 404 },
  },
  {
    route: 'GET /api/devices',
    // Every member searches the sites they see; a stranger does not see the company.
    send: async (_f, _role, client) => client.get('/api/devices'),
    expect: companyMember,
  },
  {
    route: 'GET /api/devices/{serialNumber}',
    send: async (f, _role, client) => client.get(`/api/devices/${await deviceOnSiteA(f)}`),
    expect: readSite,
  },
];
