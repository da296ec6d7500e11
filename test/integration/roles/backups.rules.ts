import assert from 'node:assert/strict';
import { claim, mintDevices } from '../../helpers/factories.ts';
import {
  manageSite,
  readSite,
  withSuccess,
  type RoleFixture,
  type RouteRule,
} from './role-rules.ts';

/**
 * One device of site A that no rule deletes, for the backups. It has no link, so a role that
 * may back up or restore gets DEVICE_OFFLINE or BACKUP_NOT_FOUND: past the role check.
 */
const standing = new WeakMap<RoleFixture, Promise<string>>();
function deviceOfSiteA(f: RoleFixture): Promise<string> {
  let serial = standing.get(f);
  if (!serial) {
    serial = (async () => {
      const [device] = await mintDevices(f.cloud, 1);
      const added = await claim(
        f.people.admin.client,
        f.siteA.id,
        device!.serialNumber,
        device!.securityCode,
      );
      assert.equal(added.status, 201, added.text);
      return device!.serialNumber;
    })();
    standing.set(f, serial);
  }
  return serial;
}

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
