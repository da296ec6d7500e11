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
 * One device of site A that no rule deletes, for the remote actions. It has no link, so a
 * role that may act gets DEVICE_OFFLINE (409): past the role check, not sent.
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
