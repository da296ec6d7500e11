import assert from 'node:assert/strict';
import { companyAdmin, withSuccess, type RoleFixture, type RouteRule } from './role-rules.ts';

// A TEST-NET-1 address (RFC 5737): public as far as the SSRF check goes, and routed nowhere.
const URL = 'https://192.0.2.10/hook';

/** A new endpoint of the fixture's company, made by its admin. */
async function endpointOf(f: RoleFixture): Promise<string> {
  const made = await f.people.admin.client.post('/api/webhooks', {
    url: URL,
    events: ['rollout.finished'],
  });
  assert.equal(made.status, 201, made.text);
  return (made.body as { id: string }).id;
}

const shared = new WeakMap<RoleFixture, Promise<string>>();
/** One endpoint per fixture for the rules that change nothing for good. */
function sharedEndpoint(f: RoleFixture): Promise<string> {
  let id = shared.get(f);
  if (!id) shared.set(f, (id = endpointOf(f)));
  return id;
}

/** A delivery of the shared endpoint (a test event), for the resend rule. */
async function deliveryOf(f: RoleFixture): Promise<[string, string]> {
  const id = await sharedEndpoint(f);
  const test = await f.people.admin.client.post(`/api/webhooks/${id}/test`);
  assert.equal(test.status, 202, test.text);
  return [id, (test.body as { id: string }).id];
}

/** Webhooks (issue 20): company admins only. */
export const webhookRules: RouteRule[] = [
  {
    route: 'GET /api/webhooks',
    send: (_f, _role, client) => client.get('/api/webhooks'),
    expect: companyAdmin,
  },
  {
    route: 'POST /api/webhooks',
    send: (_f, _role, client) =>
      client.post('/api/webhooks', { url: URL, events: ['rollout.finished'] }),
    expect: withSuccess(companyAdmin, 201),
  },
  {
    route: 'PATCH /api/webhooks/{id}',
    send: async (f, _role, client) =>
      client.patch(`/api/webhooks/${await sharedEndpoint(f)}`, { events: ['rollout.finished'] }),
    expect: companyAdmin,
  },
  {
    route: 'DELETE /api/webhooks/{id}',
    send: async (f, _role, client) => client.delete(`/api/webhooks/${await endpointOf(f)}`),
    expect: withSuccess(companyAdmin, 204),
  },
  {
    route: 'GET /api/webhooks/{id}/deliveries',
    send: async (f, _role, client) =>
      client.get(`/api/webhooks/${await sharedEndpoint(f)}/deliveries`),
    expect: companyAdmin,
  },
  {
    route: 'POST /api/webhooks/{id}/test',
    send: async (f, _role, client) => client.post(`/api/webhooks/${await sharedEndpoint(f)}/test`),
    expect: withSuccess(companyAdmin, 202),
  },
  {
    route: 'POST /api/webhooks/{id}/deliveries/{deliveryId}/resend',
    send: async (f, _role, client) => {
      const [id, delivery] = await deliveryOf(f);
      return client.post(`/api/webhooks/${id}/deliveries/${delivery}/resend`);
    },
    expect: withSuccess(companyAdmin, 202),
  },
];
