import assert from 'node:assert/strict';
import { addOperatorFirmware } from '../../helpers/rollouts.ts';
import {
  companyMember,
  manageSite,
  readSite,
  withSuccess,
  type RoleFixture,
  type RouteRule,
} from './role-rules.ts';

/** One operator image per fixture, for every rollout the rules start. */
const images = new WeakMap<RoleFixture, Promise<string>>();
function imageOf(f: RoleFixture): Promise<string> {
  let image = images.get(f);
  if (!image) {
    image = addOperatorFirmware(f.cloud, '9.9.9.9').then((added) => added.id);
    images.set(f, image);
  }
  return image;
}

/** A rollout of site A, started by its admin (none of its devices is linked, so it waits). */
async function rolloutOfSiteA(f: RoleFixture): Promise<string> {
  const started = await f.people.admin.client.post('/api/rollouts', {
    firmwareId: await imageOf(f),
    siteId: f.siteA.id,
  });
  assert.equal(started.status, 201, started.text);
  return (started.body as { id: string }).id;
}

/** Firmware rollouts (issue 19): site-admins start and cancel them; who sees a site sees them. */
export const rolloutRules: RouteRule[] = [
  {
    route: 'POST /api/rollouts',
    send: async (f, _role, client) =>
      client.post('/api/rollouts', { firmwareId: await imageOf(f), siteId: f.siteA.id }),
    expect: withSuccess(manageSite, 201),
  },
  {
    route: 'GET /api/rollouts',
    send: (_f, _role, client) => client.get('/api/rollouts'),
    expect: companyMember,
  },
  {
    route: 'GET /api/rollouts/{id}',
    send: async (f, _role, client) => client.get(`/api/rollouts/${await rolloutOfSiteA(f)}`),
    expect: readSite,
  },
  {
    route: 'POST /api/rollouts/{id}/cancel',
    send: async (f, _role, client) =>
      client.post(`/api/rollouts/${await rolloutOfSiteA(f)}/cancel`, {}),
    expect: manageSite,
  },
];
