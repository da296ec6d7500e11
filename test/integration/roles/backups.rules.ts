import {
  deviceOfSiteA,
  manageSite,
  readSite,
  withSuccess,
  type RoleFixture,
  type RouteRule,
} from './role-rules.ts';

const backups = async (f: RoleFixture) =>
  `/api/sites/${f.siteA.id}/devices/${await deviceOfSiteA(f)}/backups`;

/** Configuration backups (issue 19): viewers list them; site-admins back up and restore. */
export const backupRules: RouteRule[] = [
  {
    route: 'GET /api/sites/{siteId}/devices/{serialNumber}/backups',
    send: async (f, _role, client) => client.get(await backups(f)),
    expect: readSite,
  },
  {
    route: 'POST /api/sites/{siteId}/devices/{serialNumber}/backups',
    send: async (f, _role, client) => client.post(await backups(f)),
    expect: withSuccess(manageSite, 409),
  },
  {
    route: 'POST /api/sites/{siteId}/devices/{serialNumber}/backups/{id}/restore',
    send: async (f, _role, client) => client.post(`${await backups(f)}/no-such-backup/restore`),
    expect: withSuccess(manageSite, 404),
  },
  {
    route: 'GET /api/sites/{siteId}/backup-settings',
    send: (f, _role, client) => client.get(`/api/sites/${f.siteA.id}/backup-settings`),
    expect: readSite,
  },
  {
    route: 'PATCH /api/sites/{siteId}/backup-settings',
    send: (f, _role, client) =>
      client.patch(`/api/sites/${f.siteA.id}/backup-settings`, { keep: 5 }),
    expect: manageSite,
  },
];
