import assert from 'node:assert/strict';
import type { RunningCloud } from '../../src/cloud/cloud.ts';
import type { MintedDevice } from '../../src/cloud/services/registry.service.ts';
import {
  claim,
  createSite,
  mintDevices,
  registerAccount,
  type Account,
  type Site,
} from './factories.ts';

/** A person with their own company (its admin) and one site of it. */
export interface Party extends Account {
  site: Site;
}

/** Registers a person, who becomes the admin of a new company, with one site. */
export async function party(cloud: RunningCloud, name: string): Promise<Party> {
  const account = await registerAccount(cloud, { name });
  account.client.companyId = account.company.id;
  const site = await createSite(account.client, `${name}'s site`);
  return { ...account, site };
}

/** Mints `count` devices and adds them to the party's site with their printed codes. */
export async function devicesOf(cloud: RunningCloud, owner: Party, count: number) {
  const devices: MintedDevice[] = await mintDevices(cloud, count);
  for (const device of devices) {
    const added = await claim(
      owner.client,
      owner.site.id,
      device.serialNumber,
      device.securityCode,
    );
    assert.equal(added.status, 201, added.text);
  }
  return devices;
}

/** The serials a site holds now, as the site's device list shows them. */
export async function serialsIn(owner: Account, siteId: string): Promise<string[]> {
  const answer = await owner.client.get(`/api/sites/${siteId}/devices?limit=200`);
  assert.equal(answer.status, 200, answer.text);
  return (answer.body.items as { serialNumber: string }[]).map((d) => d.serialNumber).sort();
}

/** The person's notifications of one kind in their current company, newest first. */
export async function noticesOf(person: Account, kind: string) {
  const answer = await person.client.get('/api/notifications?limit=200');
  assert.equal(answer.status, 200, answer.text);
  return (answer.body.items as { kind: string; title: string; body: string }[]).filter(
    (n) => n.kind === kind,
  );
}

/** The audit rows of a company, oldest first, straight from the store. */
export function auditOf(cloud: RunningCloud, companyId: string) {
  return cloud.store.db
    .selectFrom('audit_events')
    .selectAll()
    .where('company_id', '=', companyId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}
