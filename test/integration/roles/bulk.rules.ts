import { manageSite, type RouteRule } from './role-rules.ts';

/** Issue 18: a bulk add is a claim per row, for who manages the site (checked once, at its top). */
export const bulkRules: RouteRule[] = [
  {
    route: 'POST /api/sites/{siteId}/devices/bulk',
    send: (f, role, client) => {
      const device = f.devices[role].shift()!;
      return client.request('POST', `/api/sites/${f.siteA.id}/devices/bulk`, {
        body: `serialNumber,securityCode\n${device.serialNumber},${device.securityCode}\n`,
        headers: { 'content-type': 'text/csv' },
      });
    },
    expect: manageSite,
  },
];
