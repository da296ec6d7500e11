import type { RunningCloud } from '../../../src/cloud/cloud.ts';
import type { MintedDevice } from '../../../src/cloud/services/registry.service.ts';
import {
  claim,
  createSite,
  joinCompany,
  mintDevices,
  registerAccount,
  type Account,
  type Site,
} from '../../helpers/factories.ts';
import type { ApiClient, ApiResponse } from '../../helpers/http.ts';

/**
 * The people of the role table (issue 16), all about one company's site A:
 * - admin: the company's admin;
 * - siteAdmin: a member with site-admin on A;
 * - viewer: a member with viewer on A;
 * - otherSite: a member with site-admin on B only (A is invisible to them);
 * - stranger: the admin of another company.
 * Each also acts through an API token of scope "manage" (never more than their role).
 */
export const ROLES = ['admin', 'siteAdmin', 'viewer', 'otherSite', 'stranger'] as const;
export type Role = (typeof ROLES)[number];

export interface RoleFixture {
  cloud: RunningCloud;
  companyId: string;
  siteA: Site;
  siteB: Site;
  people: Record<Role, Account>;
  /** Devices nobody owns yet, one per role and attempt (claims must not collide). */
  devices: Record<Role, MintedDevice[]>;
  /** Devices on site A, two per role (a session and a token delete one each). */
  onSiteA: Record<Role, MintedDevice[]>;
}

export interface RouteRule {
  /** As in /openapi.json: `METHOD /api/path/{param}`. */
  route: string;
  /** Open without credentials (sign-up, sign-in, links from mails): not a role matter. */
  public?: true;
  /** The person's own account (the same for every role): expected to succeed for each. */
  account?: true;
  /**
   * Sends the request as `role` with `client` (a session or a token client of that person,
   * X-Company-Id set to the fixture's company); called once per role and credential.
   */
  send: (f: RoleFixture, role: Role, client: ApiClient) => Promise<ApiResponse>;
  /** The status each role gets: 2xx allowed, 404 not visible, 403 INSUFFICIENT_ROLE. */
  expect: Record<Role, number>;
}

/** 2xx for the company's admin and site A's site-admin, 403 for its viewer, 404 for others. */
export const manageSite = {
  admin: 200,
  siteAdmin: 200,
  viewer: 403,
  otherSite: 404,
  stranger: 404,
} as const satisfies Record<Role, number>;
/** Everyone who sees site A may read it. */
export const readSite = {
  admin: 200,
  siteAdmin: 200,
  viewer: 200,
  otherSite: 404,
  stranger: 404,
} as const satisfies Record<Role, number>;
/** Company-wide administration: admins only; members see the company, strangers do not. */
export const companyAdmin = {
  admin: 200,
  siteAdmin: 403,
  viewer: 403,
  otherSite: 403,
  stranger: 404,
} as const satisfies Record<Role, number>;
/** What every member of the company may do. */
export const companyMember = {
  admin: 200,
  siteAdmin: 200,
  viewer: 200,
  otherSite: 200,
  stranger: 404,
} as const satisfies Record<Role, number>;

/** The same answer for every role (the person's own account, public routes). */
export const everyone = (status: number): Record<Role, number> => ({
  admin: status,
  siteAdmin: status,
  viewer: status,
  otherSite: status,
  stranger: status,
});

/** Replaces 200 by `status` (201, 204) for routes answering another success. */
export const withSuccess = (expect: Record<Role, number>, status: number): Record<Role, number> =>
  Object.fromEntries(
    Object.entries(expect).map(([role, s]) => [role, s === 200 ? status : s]),
  ) as Record<Role, number>;

/** Builds the company, its two sites and its people. */
export async function buildRoleFixture(cloud: RunningCloud): Promise<RoleFixture> {
  const admin = await registerAccount(cloud, { name: 'Ada Admin' });
  const companyId = admin.company.id as string;
  admin.client.companyId = companyId;
  const siteA = await createSite(admin.client, 'Site A');
  const siteB = await createSite(admin.client, 'Site B');
  const member = async (name: string, sites: Parameters<typeof joinCompany>[4]) => {
    const person = await registerAccount(cloud, { name });
    await joinCompany(cloud, person, companyId, 'member', sites);
    person.client.companyId = companyId;
    return person;
  };
  const siteAdmin = await member('Sam Siteadmin', [{ siteId: siteA.id, role: 'site-admin' }]);
  const viewer = await member('Vera Viewer', [{ siteId: siteA.id, role: 'viewer' }]);
  const otherSite = await member('Otto Other', [{ siteId: siteB.id, role: 'site-admin' }]);
  // The stranger asks for our company by its id: they must learn nothing of it.
  const stranger = await registerAccount(cloud, { name: 'Stan Stranger' });
  stranger.client.companyId = companyId;
  const people = { admin, siteAdmin, viewer, otherSite, stranger };

  const minted = await mintDevices(cloud, ROLES.length * 7);
  const devices = {} as Record<Role, MintedDevice[]>;
  const onSiteA = {} as Record<Role, MintedDevice[]>;
  for (const [i, role] of ROLES.entries()) {
    devices[role] = minted.slice(i * 7, i * 7 + 5);
    onSiteA[role] = minted.slice(i * 7 + 5, i * 7 + 7);
    for (const device of onSiteA[role]) {
      const added = await admin.client.post(`/api/sites/${siteA.id}/devices`, {
        serialNumber: device.serialNumber,
        securityCode: device.securityCode,
      });
      if (added.status !== 201) throw new Error(`fixture: ${added.text}`);
    }
  }
  return { cloud, companyId, siteA, siteB, people, devices, onSiteA };
}

/**
 * One device of site A that no rule deletes, shared by the rules that act on a device (remote
 * actions, backups, remote configuration). It has no link, so a role that may act gets past
 * the role check to DEVICE_OFFLINE (409) or the like: nothing is sent.
 */
const standing = new WeakMap<RoleFixture, Promise<string>>();
export function deviceOfSiteA(f: RoleFixture): Promise<string> {
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
      if (added.status !== 201) throw new Error(`the standing device was not added: ${added.text}`);
      return device!.serialNumber;
    })();
    standing.set(f, serial);
  }
  return serial;
}

/**
 * A device site A owns now, other than the standing one: the delete and move rules take some
 * of the fixture's away, and a move must never take the standing device (serial numbers are
 * random, so it could sort first).
 */
export async function movableDeviceOfSiteA(f: RoleFixture): Promise<string> {
  const standingSerial = await deviceOfSiteA(f);
  const row = await f.cloud.store.db
    .selectFrom('ownerships')
    .select('serial_number')
    .where('site_id', '=', f.siteA.id)
    .where('serial_number', '!=', standingSerial)
    .orderBy('serial_number')
    .executeTakeFirstOrThrow();
  return row.serial_number;
}
