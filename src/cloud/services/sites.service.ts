import { randomUUID } from 'node:crypto';
import { LatchkeyError } from '../../core/errors.ts';
import { decodeCursor, toPage } from '../store/cursor.ts';
import { companiesRepo } from '../store/repos/companies.repo.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import { sitesRepo } from '../store/repos/sites.repo.ts';
import type { Store } from '../store/store.ts';
import { credentialAllows, tokenCompanyOf, type Actor } from './actor.ts';
import { invalidCursor } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';

const publicSite = (row: {
  id: string;
  name: string;
  company_id: string;
  created_at: string;
  company_name: string;
}) => ({
  id: row.id,
  name: row.name,
  companyId: row.company_id,
  companyName: row.company_name,
  createdAt: row.created_at,
});

/** Sites and their device lists; every read goes through the person's memberships. */
export function createSitesService(deps: { store: Store; clock: Clock }) {
  const { store } = deps;

  /** The site if the actor may see it; another tenant's site is "not found", never "forbidden". */
  async function requireSite(actor: Actor, siteId: string) {
    const site = await sitesRepo(store.db).findAccessible(siteId, actor.userId);
    // A token sees only the company it was made for.
    if (!site || !credentialAllows(actor, site.company_id)) {
      throw new LatchkeyError('SITE_NOT_FOUND');
    }
    return site;
  }

  return {
    requireSite: async (actor: Actor, siteId: string) =>
      publicSite(await requireSite(actor, siteId)),

    async list(actor: Actor, cursor: string | undefined, limit: number) {
      const after = cursor === undefined ? null : decodeCursor(cursor, 2);
      if (cursor !== undefined && after === null) throw invalidCursor();
      const rows = await sitesRepo(store.db).listAccessible(
        actor.userId,
        after as [string, string] | null,
        limit,
        tokenCompanyOf(actor),
      );
      return toPage(rows, limit, (row) => [row.created_at, row.id], publicSite);
    },

    async create(actor: Actor, input: { name: string; companyId?: string | undefined }) {
      const companies = (await companiesRepo(store.db).listForUser(actor.userId)).filter((c) =>
        credentialAllows(actor, c.id),
      );
      const company = input.companyId
        ? companies.find((c) => c.id === input.companyId)
        : companies[0];
      if (!company) {
        throw new LatchkeyError('VALIDATION_FAILED', {
          fields: [{ field: 'companyId', message: 'You are not a member of this company.' }],
        });
      }
      const site = {
        id: randomUUID(),
        company_id: company.id,
        name: input.name.trim(),
        created_at: iso(deps.clock.now()),
      };
      await sitesRepo(store.db).insert(site);
      return publicSite({ ...site, company_name: company.name });
    },

    async rename(actor: Actor, siteId: string, name: string) {
      const site = await requireSite(actor, siteId);
      await sitesRepo(store.db).rename(siteId, name.trim());
      return publicSite({ ...site, name: name.trim() });
    },

    async listDevices(actor: Actor, siteId: string, cursor: string | undefined, limit: number) {
      await requireSite(actor, siteId);
      const after = cursor === undefined ? null : decodeCursor(cursor, 1);
      if (cursor !== undefined && after === null) throw invalidCursor();
      const rows = await devicesRepo(store.db, store.dialect).listBySite(
        siteId,
        after?.[0] ?? null,
        limit,
      );
      return toPage(rows, limit, (row) => [row.serial_number], publicDevice);
    },
  };
}

/** A device as the API shows it; never its secret or code. */
export function publicDevice(row: {
  serial_number: string;
  model: string;
  firmware: string | null;
  online: number;
  last_seen_at: string | null;
  claimed_at: string;
}) {
  return {
    serialNumber: row.serial_number,
    model: row.model,
    firmware: row.firmware,
    online: row.online === 1,
    lastSeenAt: row.last_seen_at,
    addedAt: row.claimed_at,
  };
}

export type SitesService = ReturnType<typeof createSitesService>;
