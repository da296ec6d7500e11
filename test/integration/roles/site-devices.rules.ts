import { manageSite, withSuccess, movableDeviceOfSiteA, type RouteRule } from './role-rules.ts';

/** Issue 17: a device's settings in its site and "sync now", for who manages the site. */
export const siteDeviceRules: RouteRule[] = [
  {
    route: 'PATCH /api/sites/{siteId}/devices/{serialNumber}',
    send: async (f, _role, client) =>
      client.patch(`/api/sites/${f.siteA.id}/devices/${await movableDeviceOfSiteA(f)}`, {
        name: 'Entrance',
      }),
    expect: manageSite,
  },
  {
    route: 'POST /api/sites/{siteId}/devices/{serialNumber}/sync',
    // The fixture's devices are not linked: who may sync is told the device is offline.
    send: async (f, _role, client) =>
      client.post(`/api/sites/${f.siteA.id}/devices/${await movableDeviceOfSiteA(f)}/sync`, {}),
    expect: withSuccess(manageSite, 409),
  },
];
