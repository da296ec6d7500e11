import { LatchkeyError, isLatchkeyError } from '../../core/errors.ts';
import type { SerialNumber } from '../../core/serial.rules.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { iso, type Clock } from './clock.ts';
import type { CloudEventBus } from './events.ts';
import { moveOwnerships } from './ownership-move.ts';
import { publicDevice } from './sites.service.ts';

/**
 * Moving a device between two sites of its company (issue 18): no security code, as the device
 * is already the company's; the ownership row moves, so its audit history stays with it.
 */
export function createDeviceMoveService(deps: {
  access: AccessService;
  store: Store;
  clock: Clock;
  events: CloudEventBus;
}) {
  const { store } = deps;

  /** The site the device is in, if the person may manage it; else the device is not found. */
  async function sourceOf(actor: Actor, serialNumber: SerialNumber) {
    const owner = await devicesRepo(store.db, store.dialect).ownerOf(serialNumber);
    if (!owner) throw new LatchkeyError('DEVICE_NOT_FOUND');
    try {
      await deps.access.requireSite(actor, 'site:manage', owner.site_id);
    } catch (error) {
      // A device in a site the person cannot see is not found, as that site is (tenancy).
      if (isLatchkeyError(error) && error.code === 'SITE_NOT_FOUND') {
        throw new LatchkeyError('DEVICE_NOT_FOUND');
      }
      throw error;
    }
    return owner;
  }

  return {
    async move(actor: Actor, serialNumber: SerialNumber, siteId: string) {
      const from = await sourceOf(actor, serialNumber);
      const { site: to } = await deps.access.requireSite(actor, 'site:manage', siteId);
      if (to.company_id !== from.company_id) throw new LatchkeyError('MOVE_ACROSS_COMPANIES');
      if (to.id === from.site_id) throw new LatchkeyError('ALREADY_IN_THIS_SITE');
      const now = iso(deps.clock.now());
      const moved = await store.transaction((trx) =>
        moveOwnerships(trx, store.dialect, {
          moves: [{ serialNumber, from }],
          to,
          actor,
          reason: 'moved between sites',
          now,
        }),
      );
      // It left its site between the read and the move (deleted, taken by a new code).
      if (moved.length === 0) throw new LatchkeyError('DEVICE_NOT_FOUND');
      deps.events.emit('ownership-changed', {
        serialNumber,
        siteId: to.id,
        siteName: to.name,
        cause: 'move',
      });
      const row = await devicesRepo(store.db, store.dialect).inSite(to.id, serialNumber);
      if (!row) throw new LatchkeyError('DEVICE_NOT_FOUND');
      return { device: publicDevice(row) };
    },
  };
}

export type DeviceMoveService = ReturnType<typeof createDeviceMoveService>;
