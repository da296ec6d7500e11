import { randomUUID } from 'node:crypto';
import { everyone, type RouteRule } from './role-rules.ts';

/**
 * Notifications of the person (issue 16): one copy per recipient, so marking one read and the
 * mail settings are the person's own business, the same for every role.
 */
export const notificationRules: RouteRule[] = [
  {
    // A notification of the person's own, made for each call, so that every role marks one.
    route: 'POST /api/notifications/{id}/read',
    account: true,
    send: async (f, role, client) => {
      const id = randomUUID();
      await f.cloud.store.db
        .insertInto('notifications')
        .values({
          id,
          user_id: f.people[role].user.id,
          kind: 'factory-reset',
          title: 'Role table',
          body: 'Role table',
          site_id: f.siteA.id,
          serial_number: null,
          created_at: new Date().toISOString(),
          read_at: null,
        })
        .execute();
      return client.post(`/api/notifications/${id}/read`, undefined);
    },
    expect: everyone(204),
  },
  {
    route: 'GET /api/me/notification-settings',
    account: true,
    send: (_f, _role, client) => client.get('/api/me/notification-settings'),
    expect: everyone(200),
  },
  {
    route: 'PUT /api/me/notification-settings',
    account: true,
    send: (_f, _role, client) =>
      client.request('PUT', '/api/me/notification-settings', {
        json: { mail: { 'factory-reset': true } },
      }),
    expect: everyone(200),
  },
];
