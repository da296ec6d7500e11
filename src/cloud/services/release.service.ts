import { LatchkeyError } from '../../core/errors.ts';
import type { SerialNumber } from '../../core/serial.rules.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { webhooksRepo } from '../store/repos/webhooks.repo.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { auditRow } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';
import type { CloudEventBus } from './events.ts';

/** Deleting a device from a site: it becomes unowned and can be added elsewhere. */
export function createReleaseService(deps: {
  access: AccessService;
  store: Store;
  clock: Clock;
  events: CloudEventBus;
}) {
  const { store } = deps;
  return {
    async release(actor: Actor, siteId: string, serialNumber: SerialNumber) {
      const { site } = await deps.access.requireSite(actor, 'site:manage', siteId);
      const now = iso(deps.clock.now());
      await store.transaction(async (trx) => {
        const removed = await devicesRepo(trx, store.dialect).deleteOwnership(serialNumber, siteId);
        if (!removed) throw new LatchkeyError('DEVICE_NOT_IN_SITE');
        await auditRepo(trx).insertMany([
          auditRow(
            {
              companyId: site.company_id,
              siteId,
              actor,
              action: 'device.deleted',
              outcome: 'success',
              serialNumber,
            },
            now,
          ),
        ]);
        // Issue 20: the outbox, in the change's own transaction.
        await webhooksRepo(trx).enqueue([
          {
            companyId: site.company_id,
            type: 'device.deleted',
            data: { serialNumber, siteId, siteName: site.name },
            createdAt: now,
          },
        ]);
      });
      deps.events.emit('ownership-changed', {
        serialNumber,
        siteId: null,
        siteName: null,
        cause: 'release',
      });
    },
  };
}

export type ReleaseService = ReturnType<typeof createReleaseService>;
