import { notificationsRepo } from '../store/repos/notifications.repo.ts';
import { webhooksRepo } from '../store/repos/webhooks.repo.ts';
import type { Store } from '../store/store.ts';
import { iso, type Clock } from './clock.ts';
import type { NoticeMailer } from './notice-mail.service.ts';
import { notificationRows } from './notifications.service.ts';
import type { DisabledNotice } from './webhook-dispatcher.ts';

/**
 * Issue 20: when the dispatcher disabled an endpoint that kept failing, the company's admins
 * get a `webhook-disabled` notification, mailed as the others are (unless they turned it off).
 */
export function createWebhookDisabledNotice(deps: {
  store: Store;
  clock: Clock;
  notices: Pick<NoticeMailer, 'notify'>;
}): DisabledNotice {
  return async (endpoint) => {
    const rows = notificationRows(
      await webhooksRepo(deps.store.db).adminsOf(endpoint.companyId),
      {
        kind: 'webhook-disabled',
        title: 'A webhook endpoint was disabled',
        body: `The webhook endpoint ${endpoint.url} was disabled because ${endpoint.reason}. It is sent nothing until it is enabled again on the Webhooks page (or with PATCH /api/webhooks/${endpoint.id} {"enabled": true}); deliveries that waited are then sent in order.`,
        siteId: null,
        serialNumber: null,
        companyId: endpoint.companyId,
      },
      iso(deps.clock.now()),
    );
    await notificationsRepo(deps.store.db).insertMany(rows);
    deps.notices.notify(rows);
  };
}
