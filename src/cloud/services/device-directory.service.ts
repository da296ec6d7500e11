import { allows } from '../../core/access.rules.ts';
import { LatchkeyError, isLatchkeyError } from '../../core/errors.ts';
import type { SerialNumber } from '../../core/serial.rules.ts';
import { decodeCursor, toPage } from '../store/cursor.ts';
import type { AuditRepo } from '../store/repos/audit.repo.ts';
import type { DevicePresenceRepo } from '../store/repos/device-presence.repo.ts';
import type { DeviceSearchRepo } from '../store/repos/device-search.repo.ts';
import type { DevicesRepo } from '../store/repos/devices.repo.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { invalidCursor, publicAuditEvent } from './audit.service.ts';
import { publicDevice } from './sites.service.ts';

/** How much of its history the device page shows (issue 18): the newest of each. */
export const TIMELINE_LIMIT = 100;
export const PRESENCE_LIMIT = 50;

export interface DeviceSearchQuery {
  query?: string | undefined;
  siteId?: string | undefined;
  online?: boolean | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** A device as a company-wide list shows it: with the site it is in. */
const listedDevice = (
  row: Parameters<typeof publicDevice>[0] & { site_id: string; site_name: string },
) => ({ ...publicDevice(row), site: { id: row.site_id, name: row.site_name } });

/**
 * The devices of a company across its sites (issue 18, "The device itself"): the search and
 * the device page with its online history and audit timeline, both only of the company that
 * owns the device now.
 */
export function createDeviceDirectoryService(deps: {
  access: AccessService;
  search: DeviceSearchRepo;
  devices: Pick<DevicesRepo, 'ownerOf' | 'inSite'>;
  audit: Pick<AuditRepo, 'listForDevice'>;
  presence: Pick<DevicePresenceRepo, 'listFor'>;
}) {
  const { access } = deps;

  /** The site the device is in, if the person sees it; else the device is not found. */
  async function siteOf(actor: Actor, serialNumber: SerialNumber) {
    const owner = await deps.devices.ownerOf(serialNumber);
    if (!owner) throw new LatchkeyError('DEVICE_NOT_FOUND');
    try {
      return await access.requireSite(actor, 'site:read', owner.site_id);
    } catch (error) {
      // A device in a site the person cannot see is not found, as that site is (tenancy).
      if (isLatchkeyError(error) && error.code === 'SITE_NOT_FOUND') {
        throw new LatchkeyError('DEVICE_NOT_FOUND');
      }
      throw error;
    }
  }

  return {
    /** Devices of the current company's sites the person sees, by serial number (keyset). */
    async search(actor: Actor, input: DeviceSearchQuery) {
      const company = await access.requireCompany(actor, 'company:read');
      const after = input.cursor === undefined ? null : decodeCursor(input.cursor, 1);
      if (input.cursor !== undefined && after === null) throw invalidCursor();
      if (input.siteId !== undefined) {
        const { site } = await access.requireSite(actor, 'site:read', input.siteId);
        // A site of another of the person's companies is not in this company's search.
        if (site.company_id !== company.companyId) throw new LatchkeyError('SITE_NOT_FOUND');
      }
      const text = input.query?.trim() ?? '';
      const rows = await deps.search.search({
        companyId: company.companyId,
        grantedTo: company.role === 'admin' ? null : actor.userId,
        siteId: input.siteId ?? null,
        online: input.online ?? null,
        text: text === '' ? null : text,
        after: after?.[0] ?? null,
        limit: input.limit,
      });
      return toPage(rows, input.limit, (row) => [row.serial_number], listedDevice);
    },

    /**
     * The device page. "Current company" is the one owning the device now: its history
     * there only, never a previous owner's (issue 18). The timeline is null for a role that
     * may not read the site's audit (a viewer).
     */
    async page(actor: Actor, serialNumber: SerialNumber) {
      const { site, companyRole, siteRole } = await siteOf(actor, serialNumber);
      const row = await deps.devices.inSite(site.id, serialNumber);
      if (!row) throw new LatchkeyError('DEVICE_NOT_FOUND');
      const auditable = allows({ companyRole, siteRole }, 'site:audit');
      const [presence, timeline] = await Promise.all([
        deps.presence.listFor(serialNumber, site.company_id, PRESENCE_LIMIT),
        auditable
          ? deps.audit.listForDevice(serialNumber, site.company_id, TIMELINE_LIMIT)
          : Promise.resolve(null),
      ]);
      return {
        device: listedDevice({ ...row, site_id: site.id, site_name: site.name }),
        onlineHistory: presence.map((p) => ({ online: p.online === 1, at: p.at })),
        timeline: timeline?.map(publicAuditEvent) ?? null,
      };
    },
  };
}

export type DeviceDirectoryService = ReturnType<typeof createDeviceDirectoryService>;
