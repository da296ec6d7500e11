import type { AuditAction } from '../../core/audit-actions.ts';
import { randomUUID } from 'node:crypto';
import { checkApartment, compareApartmentNames } from '../../core/apartment.rules.ts';
import { LatchkeyError } from '../../core/errors.ts';
import { decodeCursor, toPage } from '../store/cursor.ts';
import { apartmentsRepo } from '../store/repos/apartments.repo.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import type { Store } from '../store/store.ts';
import type { AccessService, SiteAccess } from './access.service.ts';
import type { Actor } from './actor.ts';
import { siteChangeRow, invalidCursor } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';
import type { CloudEventBus } from './events.ts';

const publicApartment = (row: {
  id: string;
  name: string;
  floor: string | null;
  resident_count: string | number | null;
}) => ({
  id: row.id,
  name: row.name,
  floor: row.floor,
  residentCount: Number(row.resident_count ?? 0),
});

function checked(input: { name: string; floor?: string | null | undefined }) {
  const result = checkApartment(input);
  if (!result.ok) throw new LatchkeyError('VALIDATION_FAILED', { fields: result.fields });
  return result.value;
}

/** The apartments of a site (issue 17); a family home has exactly one. */
export function createApartmentsService(deps: {
  access: AccessService;
  store: Store;
  clock: Clock;
  events: CloudEventBus;
}) {
  const { access, store } = deps;

  const audit = (
    trx: Parameters<typeof auditRepo>[0],
    { site }: SiteAccess,
    actor: Actor,
    action: AuditAction,
    detail: Record<string, unknown>,
  ) =>
    auditRepo(trx).insertMany([siteChangeRow(site, actor, action, detail, iso(deps.clock.now()))]);

  /** Runs a write; a name another apartment of the site has is APARTMENT_NAME_TAKEN. */
  async function write<T>(
    siteId: string,
    work: (trx: Parameters<typeof auditRepo>[0]) => Promise<T>,
  ) {
    let result: T;
    try {
      result = await store.transaction(work);
    } catch (error) {
      if (store.dialect.isUniqueViolation(error)) throw new LatchkeyError('APARTMENT_NAME_TAKEN');
      throw error;
    }
    deps.events.emit('residents-changed', { siteId });
    return result;
  }

  return {
    /** The site's apartments by name as people count them ("2" before "10"), a page at a time. */
    async list(actor: Actor, siteId: string, cursor: string | undefined, limit: number) {
      await access.requireSite(actor, 'site:read', siteId);
      const after = cursor === undefined ? null : decodeCursor(cursor, 1);
      if (cursor !== undefined && after === null) throw invalidCursor();
      const rows = (await apartmentsRepo(store.db).listBySite(siteId)).sort((a, b) =>
        compareApartmentNames(a.name, b.name),
      );
      const start =
        after === null ? rows : rows.filter((r) => compareApartmentNames(r.name, after[0]!) > 0);
      return toPage(start.slice(0, limit + 1), limit, (row) => [row.name], publicApartment);
    },

    async create(
      actor: Actor,
      siteId: string,
      input: { name: string; floor?: string | null | undefined },
    ) {
      const grant = await access.requireSite(actor, 'site:manage', siteId);
      const value = checked(input);
      const row = {
        id: randomUUID(),
        site_id: siteId,
        ...value,
        created_at: iso(deps.clock.now()),
      };
      return write(siteId, async (trx) => {
        const apartments = apartmentsRepo(trx);
        if (grant.site.type === 'family-home' && (await apartments.count(siteId)) > 0) {
          throw new LatchkeyError('FAMILY_HOME_HAS_ONE_APARTMENT');
        }
        if (await apartments.findByName(siteId, value.name)) {
          throw new LatchkeyError('APARTMENT_NAME_TAKEN');
        }
        await apartments.insert(row);
        await audit(trx, grant, actor, 'apartment.created', {
          apartmentId: row.id,
          name: row.name,
        });
        return publicApartment({ ...row, resident_count: 0 });
      });
    },

    /** Renames or re-floors an apartment; fields not given stay. */
    async update(
      actor: Actor,
      siteId: string,
      id: string,
      patch: { name?: string | undefined; floor?: string | null | undefined },
    ) {
      const grant = await access.requireSite(actor, 'site:manage', siteId);
      return write(siteId, async (trx) => {
        const apartments = apartmentsRepo(trx);
        const current = await apartments.find(siteId, id);
        if (!current) throw new LatchkeyError('APARTMENT_NOT_FOUND');
        const value = checked({
          name: patch.name ?? current.name,
          floor: patch.floor === undefined ? current.floor : patch.floor,
        });
        const other = await apartments.findByName(siteId, value.name);
        if (other && other.id !== id) throw new LatchkeyError('APARTMENT_NAME_TAKEN');
        await apartments.update(siteId, id, value);
        await audit(trx, grant, actor, 'apartment.updated', {
          apartmentId: id,
          name: value.name,
          ...(value.name !== current.name ? { previousName: current.name } : {}),
        });
        const listed = (await apartments.listBySite(siteId)).find((a) => a.id === id)!;
        return publicApartment(listed);
      });
    },

    async delete(actor: Actor, siteId: string, id: string) {
      const grant = await access.requireSite(actor, 'site:manage', siteId);
      await write(siteId, async (trx) => {
        const apartments = apartmentsRepo(trx);
        const current = (await apartments.listBySite(siteId)).find((a) => a.id === id);
        if (!current) throw new LatchkeyError('APARTMENT_NOT_FOUND');
        if (grant.site.type === 'family-home')
          throw new LatchkeyError('FAMILY_HOME_HAS_ONE_APARTMENT');
        if (Number(current.resident_count ?? 0) > 0)
          throw new LatchkeyError('APARTMENT_HAS_RESIDENTS');
        await apartments.delete(siteId, id);
        await audit(trx, grant, actor, 'apartment.deleted', {
          apartmentId: id,
          name: current.name,
        });
      });
    },
  };
}

export type ApartmentsService = ReturnType<typeof createApartmentsService>;
