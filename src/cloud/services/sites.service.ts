import type { ConfigurationMode, SyncState } from '../../core/building.model.ts';
import { randomUUID } from 'node:crypto';
import { familyHomeApartmentName } from '../../core/apartment.rules.ts';
import type { SiteType } from '../../core/building.model.ts';
import { LatchkeyError } from '../../core/errors.ts';
import { apartmentsRepo } from '../store/repos/apartments.repo.ts';
import { decodeCursor, toPage } from '../store/cursor.ts';
import type { DevicesRepo } from '../store/repos/devices.repo.ts';
import { sitesRepo, type SitesRepo } from '../store/repos/sites.repo.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { invalidCursor } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';

const publicSite = (row: {
  id: string;
  name: string;
  type: SiteType;
  company_id: string;
  created_at: string;
  company_name: string;
}) => ({
  id: row.id,
  name: row.name,
  type: row.type,
  companyId: row.company_id,
  companyName: row.company_name,
  createdAt: row.created_at,
});

/** Sites and their device lists; every use case starts with its access check. */
export function createSitesService(deps: {
  access: AccessService;
  sites: Pick<SitesRepo, 'insert' | 'listVisible' | 'rename'>;
  devices: Pick<DevicesRepo, 'listBySite'>;
  /** A family home is created with its one apartment, in one transaction (issue 17). */
  store: Pick<Store, 'transaction'>;
  clock: Clock;
}) {
  const { access } = deps;
  return {
    requireSite: async (actor: Actor, siteId: string) =>
      publicSite((await access.requireSite(actor, 'site:read', siteId)).site),

    /** The current company's sites that the person sees (all of them for an admin). */
    async list(actor: Actor, cursor: string | undefined, limit: number) {
      const company = await access.requireCompany(actor, 'company:read');
      const after = cursor === undefined ? null : decodeCursor(cursor, 2);
      if (cursor !== undefined && after === null) throw invalidCursor();
      const rows = await deps.sites.listVisible(
        company.companyId,
        company.role === 'admin' ? null : actor.userId,
        after as [string, string] | null,
        limit,
      );
      return toPage(rows, limit, (row) => [row.created_at, row.id], publicSite);
    },

    /** A new site of the current company (or of `companyId`, one of the person's). */
    async create(
      actor: Actor,
      input: { name: string; type?: SiteType | undefined; companyId?: string | undefined },
    ) {
      const company = await access
        .requireCompany(
          input.companyId ? { ...actor, companyId: input.companyId } : actor,
          'company:admin',
        )
        .catch((error: unknown) => {
          // A company named in the body is a field of the request (as before issue 16).
          if (
            input.companyId &&
            error instanceof LatchkeyError &&
            error.code === 'COMPANY_NOT_FOUND'
          ) {
            throw new LatchkeyError('VALIDATION_FAILED', {
              fields: [{ field: 'companyId', message: 'You are not a member of this company.' }],
            });
          }
          throw error;
        });
      const site = {
        id: randomUUID(),
        company_id: company.companyId,
        name: input.name.trim(),
        type: input.type ?? 'other',
        created_at: iso(deps.clock.now()),
      };
      await deps.store.transaction(async (trx) => {
        await sitesRepo(trx).insert(site);
        if (site.type !== 'family-home') return;
        await apartmentsRepo(trx).insert({
          id: randomUUID(),
          site_id: site.id,
          name: familyHomeApartmentName(site.name),
          floor: null,
          created_at: site.created_at,
        });
      });
      return publicSite({ ...site, company_name: company.companyName });
    },

    async rename(actor: Actor, siteId: string, name: string) {
      const { site } = await access.requireSite(actor, 'site:manage', siteId);
      await deps.sites.rename(siteId, name.trim());
      return publicSite({ ...site, name: name.trim() });
    },

    async listDevices(actor: Actor, siteId: string, cursor: string | undefined, limit: number) {
      await access.requireSite(actor, 'site:read', siteId);
      const after = cursor === undefined ? null : decodeCursor(cursor, 1);
      if (cursor !== undefined && after === null) throw invalidCursor();
      const rows = await deps.devices.listBySite(siteId, after?.[0] ?? null, limit);
      return toPage(rows, limit, (row) => [row.serial_number], publicDevice);
    },
  };
}

/**
 * A device as the API shows it; never its secret or code. Issue 17: its name and Configuration
 * Mode in the site (automatic without a settings row) and its Auto Provisioning sync; a device
 * the cloud has not worked out a directory for yet is pending since it was added.
 */
export function publicDevice(row: {
  serial_number: string;
  model: string;
  firmware: string | null;
  online: number;
  last_seen_at: string | null;
  claimed_at: string;
  name?: string | null;
  location?: string | null;
  configuration_mode?: ConfigurationMode | null;
  sync_state?: SyncState | null;
  sync_version?: number | null;
  sync_since?: string | null;
  sync_reason?: string | null;
}) {
  return {
    serialNumber: row.serial_number,
    model: row.model,
    firmware: row.firmware,
    online: row.online === 1,
    lastSeenAt: row.last_seen_at,
    addedAt: row.claimed_at,
    name: row.name ?? null,
    location: row.location ?? null,
    configurationMode: row.configuration_mode ?? 'automatic',
    sync: {
      state: row.sync_state ?? 'pending',
      version: row.sync_version ?? 0,
      since: row.sync_since ?? row.claimed_at,
      ...(row.sync_reason ? { reason: row.sync_reason } : {}),
    },
  };
}

export type SitesService = ReturnType<typeof createSitesService>;
