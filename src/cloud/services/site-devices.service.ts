import type { ConfigurationMode } from '../../core/building.model.ts';
import { LatchkeyError } from '../../core/errors.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import { provisioningRepo } from '../store/repos/provisioning.repo.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { auditRow } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';
import type { CommandSender } from './device-commands.ts';
import type { CloudEventBus } from './events.ts';
import type { ProvisioningService } from './provisioning.service.ts';
import { publicDevice } from './sites.service.ts';

export interface DeviceSettingsInput {
  configurationMode?: ConfigurationMode | undefined;
  name?: string | null | undefined;
  /** Where the device hangs, for example "Main entrance" (issue 18). */
  location?: string | null | undefined;
}

/** A device's settings in its site and "sync now" (issue 17, Auto Provisioning). */
export function createSiteDevicesService(deps: {
  access: AccessService;
  store: Store;
  clock: Clock;
  events: CloudEventBus;
  commands: CommandSender;
  provisioning: Pick<ProvisioningService, 'settingsChanged' | 'syncNow'>;
}) {
  const { store } = deps;

  async function deviceOf(siteId: string, serial: string) {
    const row = await devicesRepo(store.db, store.dialect).inSite(siteId, serial);
    if (!row) throw new LatchkeyError('DEVICE_NOT_IN_SITE');
    return row;
  }

  return {
    /** Name and Configuration Mode; automatic again → a full sync, manual → nothing is sent. */
    async update(actor: Actor, siteId: string, serial: string, input: DeviceSettingsInput) {
      const { site } = await deps.access.requireSite(actor, 'site:manage', siteId);
      const before = await deviceOf(siteId, serial);
      const mode = input.configurationMode ?? before.configuration_mode ?? 'automatic';
      const name = input.name === undefined ? before.name : input.name?.trim() || null;
      const location =
        input.location === undefined ? before.location : input.location?.trim() || null;
      const now = iso(deps.clock.now());
      await store.transaction(async (trx) => {
        await provisioningRepo(trx).saveSettings({
          serial_number: serial,
          site_id: siteId,
          configuration_mode: mode,
          name,
          location,
          updated_at: now,
        });
        await auditRepo(trx).insertMany([
          auditRow(
            {
              companyId: site.company_id,
              siteId,
              actor,
              action: 'device.settings-changed',
              outcome: 'success',
              serialNumber: serial,
              detail: { configurationMode: mode, name, location },
            },
            now,
          ),
        ]);
      });
      if (mode !== (before.configuration_mode ?? 'automatic')) {
        // The device's UIs show the mode (set-ownership carries it); a device offline learns it
        // from the set-ownership sent when it connects.
        deps.commands
          .command(serial, 'set-ownership', {
            site: site.name,
            siteId,
            configurationMode: mode,
          })
          .catch(() => undefined);
        deps.provisioning.settingsChanged(serial);
      }
      deps.events.emit('device-updated', { serialNumber: serial });
      return publicDevice(await deviceOf(siteId, serial));
    },

    /** A full replacement at once; 409 DEVICE_OFFLINE when the device cannot hear it. */
    async syncNow(actor: Actor, siteId: string, serial: string) {
      await deps.access.requireSite(actor, 'site:manage', siteId);
      const device = await deviceOf(siteId, serial);
      if (device.online !== 1) throw new LatchkeyError('DEVICE_OFFLINE');
      deps.provisioning.syncNow(serial);
      return publicDevice(device);
    },
  };
}

export type SiteDevicesService = ReturnType<typeof createSiteDevicesService>;
