import { deviceOfSiteA, manageSite, readSite, withSuccess, type RouteRule } from './role-rules.ts';

/** The door, back to the cloud (issue 17): viewers read the access log; site-admins act. */
export const doorRules: RouteRule[] = [
  {
    route: 'GET /api/sites/{siteId}/access-log',
    send: (f, _role, client) => client.get(`/api/sites/${f.siteA.id}/access-log`),
    expect: readSite,
  },
  {
    route: 'POST /api/sites/{siteId}/devices/{serialNumber}/actions',
    send: async (f, _role, client) =>
      client.post(`/api/sites/${f.siteA.id}/devices/${await deviceOfSiteA(f)}/actions`, {
        action: 'report-state',
      }),
    expect: withSuccess(manageSite, 409),
  },
  {
    // Issue 19: remote configuration is a site-admin's; the device has no link here (409).
    route: 'POST /api/sites/{siteId}/devices/{serialNumber}/remote',
    send: async (f, _role, client) =>
      client.post(`/api/sites/${f.siteA.id}/devices/${await deviceOfSiteA(f)}/remote`, {}),
    expect: withSuccess(manageSite, 409),
  },
];
