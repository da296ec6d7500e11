import { manageSite, withSuccess, type RoleFixture, type RouteRule } from './role-rules.ts';

/** A device site A owns now (the delete rules take some of the fixture's away). */
async function deviceOnSiteA(f: RoleFixture): Promise<string> {
  const row = await f.cloud.store.db
    .selectFrom('ownerships')
    .select('serial_number')
    .where('site_id', '=', f.siteA.id)
    .orderBy('serial_number')
    .executeTakeFirstOrThrow();
  return row.serial_number;
}

/** Issue 17: a device's settings in its site and "sync now", for who manages the site. */
export const siteDeviceRules: RouteRule[] = [
  {
    route: 'PATCH /api/sites/{siteId}/devices/{serialNumber}',
    send: async (f, _role, client) =>
      client.patch(`/api/sites/${f.siteA.id}/devices/${await deviceOnSiteA(f)}`, {
        name: 'Entrance',
      }),
    expect: manageSite,
  },
  {
    route: 'POST /api/sites/{siteId}/devices/{serialNumber}/sync',
    // The fixture's devices are not linked: who may sync is told the device is offline.
    send: async (f, _role, client) =>
      client.post(`/api/sites/${f.siteA.id}/devices/${await deviceOnSiteA(f)}/sync`, {}),
    expect: withSuccess(manageSite, 409),
  },
];
