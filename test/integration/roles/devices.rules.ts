import { companyMember, readSite, movableDeviceOfSiteA, type RouteRule } from './role-rules.ts';

/** Issue 18: moves between own sites, the company-wide search and the device page. */
export const deviceRules: RouteRule[] = [
  {
    route: 'POST /api/devices/{serialNumber}/move',
    send: async (f, _role, client) =>
      client.post(`/api/devices/${await movableDeviceOfSiteA(f)}/move`, { siteId: f.siteB.id }),
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
    send: async (f, _role, client) => client.get(`/api/devices/${await movableDeviceOfSiteA(f)}`),
    expect: readSite,
  },
];
