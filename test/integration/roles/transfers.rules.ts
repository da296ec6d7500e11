import assert from 'node:assert/strict';
import type { MintedDevice } from '../../../src/cloud/services/registry.service.ts';
import { claim, mintDevices, type Site } from '../../helpers/factories.ts';
import { ownCompany } from './core.rules.ts';
import {
  companyAdmin,
  companyMember,
  manageSite,
  withSuccess,
  type RoleFixture,
  type RouteRule,
} from './role-rules.ts';

/** A new device on site A, added by the company's admin. */
async function deviceOnSiteA(f: RoleFixture): Promise<MintedDevice> {
  const [device] = await mintDevices(f.cloud, 1);
  const added = await claim(
    f.people.admin.client,
    f.siteA.id,
    device!.serialNumber,
    device!.securityCode,
  );
  assert.equal(added.status, 201, added.text);
  return device!;
}

const strangerSites = new WeakMap<RoleFixture, Promise<Site>>();

/** The stranger's own site, in their own company (made once per fixture). */
function strangerSite(f: RoleFixture): Promise<Site> {
  let site = strangerSites.get(f);
  if (!site) {
    site = f.people.stranger.client
      .post<Site>('/api/sites', { name: 'Stranger site' }, ownCompany(f, 'stranger'))
      .then((made) => {
        assert.equal(made.status, 201, made.text);
        return made.body;
      });
    strangerSites.set(f, site);
  }
  return site;
}

/** A new device of the stranger's company. */
async function strangerDevice(f: RoleFixture): Promise<MintedDevice> {
  const site = await strangerSite(f);
  const [device] = await mintDevices(f.cloud, 1);
  const added = await f.people.stranger.client.post(
    `/api/sites/${site.id}/devices`,
    { serialNumber: device!.serialNumber, securityCode: device!.securityCode },
    ownCompany(f, 'stranger'),
  );
  assert.equal(added.status, 201, added.text);
  return device!;
}

/** An offer from the stranger's company to the fixture company (to its admin's address). */
async function offerToCompany(f: RoleFixture): Promise<string> {
  const device = await strangerDevice(f);
  const made = await f.people.stranger.client.post(
    '/api/transfers',
    { toEmail: f.people.admin.email, serialNumbers: [device.serialNumber] },
    ownCompany(f, 'stranger'),
  );
  assert.equal(made.status, 201, made.text);
  return made.body.id;
}

/** An offer by the fixture company's admin of a device of site A to the stranger. */
async function offerFromCompany(f: RoleFixture): Promise<string> {
  const device = await deviceOnSiteA(f);
  const made = await f.people.admin.client.post('/api/transfers', {
    toEmail: f.people.stranger.email,
    serialNumbers: [device.serialNumber],
  });
  assert.equal(made.status, 201, made.text);
  return made.body.id;
}

/**
 * A request by the stranger's company for a device of site A, written straight into the store
 * (the stranger's own request limit would run out over the role table's twenty requests).
 */
async function requestToCompany(f: RoleFixture): Promise<string> {
  const device = await deviceOnSiteA(f);
  const site = await strangerSite(f);
  const id = `request-${device.serialNumber}`;
  const now = new Date();
  await f.cloud.store.db
    .insertInto('transfer_requests')
    .values({
      id,
      serial_number: device.serialNumber,
      requester_company_id: f.people.stranger.company.id,
      requester_user_id: f.people.stranger.user.id,
      site_id: site.id,
      share_company_name: 0,
      owner_company_id: f.companyId,
      owner_site_id: f.siteA.id,
      state: 'pending',
      reason: null,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + 7 * 24 * 60 * 60_000).toISOString(),
      answered_at: null,
      answered_by: null,
    })
    .execute();
  return id;
}

/**
 * Offers and requests (issue 18): offering needs site:manage on the devices' sites; the
 * receiving company's admins answer offers, the offering side's admins (or the person who
 * offered) cancel; requests need site:manage on the requester's site and are answered by the
 * owner site's admins and site-admins.
 */
export const transferRules: RouteRule[] = [
  {
    route: 'POST /api/transfers',
    send: async (f, _role, client) => {
      const device = await deviceOnSiteA(f);
      return client.post('/api/transfers', {
        toEmail: f.people.stranger.email,
        serialNumbers: [device.serialNumber],
      });
    },
    expect: withSuccess(manageSite, 201),
  },
  {
    route: 'GET /api/transfers',
    send: (_f, _role, client) => client.get('/api/transfers'),
    expect: companyMember,
  },
  {
    route: 'POST /api/transfers/{id}/accept',
    send: async (f, _role, client) =>
      client.post(`/api/transfers/${await offerToCompany(f)}/accept`, { siteId: f.siteA.id }),
    expect: companyAdmin,
  },
  {
    route: 'POST /api/transfers/{id}/reject',
    send: async (f, _role, client) =>
      client.post(`/api/transfers/${await offerToCompany(f)}/reject`),
    expect: companyAdmin,
  },
  {
    // Members other than the person who offered may not cancel: the admin offered these.
    route: 'POST /api/transfers/{id}/cancel',
    send: async (f, _role, client) =>
      client.post(`/api/transfers/${await offerFromCompany(f)}/cancel`),
    expect: companyAdmin,
  },
  {
    route: 'POST /api/transfer-requests',
    send: async (f, _role, client) => {
      const device = await strangerDevice(f);
      return client.post('/api/transfer-requests', {
        serialNumber: device.serialNumber,
        securityCode: device.securityCode,
        siteId: f.siteA.id,
        shareCompanyName: false,
      });
    },
    expect: withSuccess(manageSite, 201),
  },
  {
    route: 'GET /api/transfer-requests',
    send: (_f, _role, client) => client.get('/api/transfer-requests'),
    expect: companyMember,
  },
  {
    route: 'POST /api/transfer-requests/{id}/approve',
    send: async (f, _role, client) =>
      client.post(`/api/transfer-requests/${await requestToCompany(f)}/approve`),
    expect: manageSite,
  },
  {
    route: 'POST /api/transfer-requests/{id}/decline',
    send: async (f, _role, client) =>
      client.post(`/api/transfer-requests/${await requestToCompany(f)}/decline`),
    expect: manageSite,
  },
];
