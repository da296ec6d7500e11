import type { AuditAction } from '../../core/audit-actions.ts';
import { randomUUID } from 'node:crypto';
import { allows } from '../../core/access.rules.ts';
import { MAX_RESIDENTS_PER_SITE, type ResidentAccess } from '../../core/building.model.ts';
import { LatchkeyError, type FieldError } from '../../core/errors.ts';
import {
  checkResident,
  type ResidentDraft,
  type ResidentDraftInput,
} from '../../core/resident.rules.ts';
import { decodeCursor, toPage } from '../store/cursor.ts';
import { apartmentsRepo } from '../store/repos/apartments.repo.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { residentsRepo } from '../store/repos/residents.repo.ts';
import type { Executor, ResidentCredentialsTable, ResidentsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { AccessService, SiteAccess } from './access.service.ts';
import type { Actor } from './actor.ts';
import { siteChangeRow, invalidCursor } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';
import type { CloudEventBus } from './events.ts';
import type { ResidentCredentialKeys } from './resident-credentials.ts';

type ResidentRow = ResidentsTable & { apartment_name: string };

/** A resident as the API shows it; a viewer sees no PINs or cards (docs/decisions.md, "Buildings"). */
export function publicResident(
  row: ResidentRow,
  access: ResidentAccess[],
  credentials: { pins: string[]; cards: string[] } | null,
) {
  return {
    id: row.id,
    apartmentId: row.apartment_id,
    apartmentName: row.apartment_name,
    name: row.name,
    email: row.email,
    pins: credentials?.pins ?? [],
    cards: credentials?.cards ?? [],
    credentialsHidden: credentials === null,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    enabled: row.enabled === 1,
    callTarget: row.call_target,
    access,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export type PublicResident = ReturnType<typeof publicResident>;

/** The stored columns of a checked resident (credentials sealed with its id). */
export function residentColumns(
  keys: ResidentCredentialKeys,
  id: string,
  draft: ResidentDraft,
  now: string,
): Omit<ResidentsTable, 'id' | 'site_id' | 'created_at'> {
  return {
    apartment_id: draft.apartmentId,
    name: draft.name,
    email: draft.email,
    credentials_enc: keys.seal(id, { pins: draft.pins, cards: draft.cards }),
    valid_from: draft.validFrom,
    valid_to: draft.validTo,
    enabled: draft.enabled ? 1 : 0,
    call_target: draft.callTarget,
    updated_at: now,
  };
}

/** The keyed lookups of a resident's PINs and cards, each with the field it came from. */
export function credentialRows(
  keys: ResidentCredentialKeys,
  siteId: string,
  residentId: string,
  draft: Pick<ResidentDraft, 'pins' | 'cards'>,
): (ResidentCredentialsTable & { field: string })[] {
  return [
    ...draft.pins.map((value, i) => ({ kind: 'pin' as const, value, field: `pins[${i}]` })),
    ...draft.cards.map((value, i) => ({ kind: 'card' as const, value, field: `cards[${i}]` })),
  ].map(({ kind, value, field }) => ({
    site_id: siteId,
    kind,
    lookup: keys.lookup(siteId, kind, value),
    resident_id: residentId,
    field,
  }));
}

const takenMessage = (kind: 'pin' | 'card') =>
  kind === 'pin'
    ? 'Another resident of this site has this PIN; choose another one.'
    : 'Another resident of this site has this card.';

/** Residents of a site's apartments (issue 17): their PINs, cards and rights on the devices. */
export function createResidentsService(deps: {
  access: AccessService;
  store: Store;
  clock: Clock;
  events: CloudEventBus;
  credentials: ResidentCredentialKeys;
}) {
  const { access, store, credentials: keys } = deps;

  const audit = (
    trx: Executor,
    { site }: SiteAccess,
    actor: Actor,
    action: AuditAction,
    detail: Record<string, unknown>,
  ) =>
    auditRepo(trx).insertMany([siteChangeRow(site, actor, action, detail, iso(deps.clock.now()))]);

  /** Shows residents with their rights; credentials opened only for those who manage the site. */
  async function present(db: Executor, rows: ResidentRow[], showCredentials: boolean) {
    const rights = await residentsRepo(db).accessOf(rows.map((r) => r.id));
    return rows.map((row) =>
      publicResident(
        row,
        rights
          .filter((r) => r.resident_id === row.id)
          .map((r) => ({ serialNumber: r.serial_number, switch: r.switch })),
        showCredentials ? keys.open(row.id, row.credentials_enc) : null,
      ),
    );
  }

  /** Checks the resident against the site: its apartment, devices, and the uniqueness of its credentials. */
  async function checkInSite(
    trx: Executor,
    siteId: string,
    residentId: string,
    input: ResidentDraftInput,
  ) {
    const repo = residentsRepo(trx);
    const fields: FieldError[] = [];
    const apartment = await apartmentsRepo(trx).find(siteId, input.apartmentId);
    if (!apartment) {
      fields.push({
        field: 'apartmentId',
        message: 'This site has no such apartment; choose one of its apartments.',
      });
    }
    const result = checkResident(input, await repo.siteDevices(siteId));
    if (!result.ok) fields.push(...result.fields);
    if (!result.ok || !apartment) throw new LatchkeyError('VALIDATION_FAILED', { fields });
    const lookups = credentialRows(keys, siteId, residentId, result.value);
    const owners = await repo.credentialOwners(
      siteId,
      lookups.map((l) => l.lookup),
    );
    const taken = lookups.filter((l) =>
      owners.some((o) => o.lookup === l.lookup && o.resident_id !== residentId),
    );
    if (taken.length > 0) {
      throw new LatchkeyError('CREDENTIAL_TAKEN', {
        fields: taken.map((l) => ({ field: l.field, message: takenMessage(l.kind) })),
      });
    }
    return { draft: result.value, lookups };
  }

  async function writeDetails(
    trx: Executor,
    residentId: string,
    draft: ResidentDraft,
    lookups: ReturnType<typeof credentialRows>,
  ) {
    const repo = residentsRepo(trx);
    await repo.insertCredentials(lookups.map(({ field: _field, ...row }) => row));
    await repo.insertAccess(
      draft.access.map((r) => ({
        resident_id: residentId,
        serial_number: r.serialNumber,
        switch: r.switch,
      })),
    );
  }

  /** Commits `work`; a credential taken by a concurrent write is CREDENTIAL_TAKEN too. */
  async function write<T>(siteId: string, work: (trx: Executor) => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await store.transaction(work);
    } catch (error) {
      if (store.dialect.isUniqueViolation(error)) {
        throw new LatchkeyError('CREDENTIAL_TAKEN', {
          fields: [
            {
              field: 'pins',
              message: 'Another resident of this site was just given this PIN or card.',
            },
          ],
        });
      }
      throw error;
    }
    deps.events.emit('residents-changed', { siteId });
    return result;
  }

  return {
    async list(
      actor: Actor,
      siteId: string,
      query: {
        apartmentId?: string | undefined;
        q?: string | undefined;
        cursor?: string | undefined;
        limit: number;
      },
    ) {
      const grant = await access.requireSite(actor, 'site:read', siteId);
      const after = query.cursor === undefined ? null : decodeCursor(query.cursor, 2);
      if (query.cursor !== undefined && after === null) throw invalidCursor();
      const rows = await residentsRepo(store.db).list(
        siteId,
        query,
        after as [string, string] | null,
        query.limit,
      );
      const page = toPage(
        rows,
        query.limit,
        (row) => [row.name, row.id],
        (row) => row,
      );
      return {
        items: await present(store.db, page.items, allows(grant, 'site:manage')),
        nextCursor: page.nextCursor,
      };
    },

    async create(actor: Actor, siteId: string, input: ResidentDraftInput) {
      const grant = await access.requireSite(actor, 'site:manage', siteId);
      const id = randomUUID();
      const now = iso(deps.clock.now());
      return write(siteId, async (trx) => {
        const { draft, lookups } = await checkInSite(trx, siteId, id, input);
        const repo = residentsRepo(trx);
        if ((await repo.count(siteId)) >= MAX_RESIDENTS_PER_SITE)
          throw new LatchkeyError('RESIDENT_LIMIT_REACHED');
        await repo.insertMany([
          { id, site_id: siteId, created_at: now, ...residentColumns(keys, id, draft, now) },
        ]);
        await writeDetails(trx, id, draft, lookups);
        await audit(trx, grant, actor, 'resident.created', { residentId: id, name: draft.name });
        return (await present(trx, [(await repo.find(siteId, id))!], true))[0]!;
      });
    },

    /** Changes only the fields given; the result is checked whole. */
    async update(actor: Actor, siteId: string, id: string, patch: Partial<ResidentDraftInput>) {
      const grant = await access.requireSite(actor, 'site:manage', siteId);
      const now = iso(deps.clock.now());
      return write(siteId, async (trx) => {
        const repo = residentsRepo(trx);
        const current = await repo.find(siteId, id);
        if (!current) throw new LatchkeyError('RESIDENT_NOT_FOUND');
        const [stored] = await present(trx, [current], true);
        const merged: ResidentDraftInput = { ...stored!, ...definedOnly(patch) };
        const { draft, lookups } = await checkInSite(trx, siteId, id, merged);
        await repo.update(siteId, id, residentColumns(keys, id, draft, now));
        await repo.clearDetails([id]);
        await writeDetails(trx, id, draft, lookups);
        // Which fields changed, never their values: a PIN must not reach the audit log.
        await audit(trx, grant, actor, 'resident.updated', {
          residentId: id,
          name: draft.name,
          fields: Object.keys(definedOnly(patch)).sort(),
        });
        return (await present(trx, [(await repo.find(siteId, id))!], true))[0]!;
      });
    },

    async delete(actor: Actor, siteId: string, id: string) {
      const grant = await access.requireSite(actor, 'site:manage', siteId);
      await write(siteId, async (trx) => {
        const repo = residentsRepo(trx);
        const current = await repo.find(siteId, id);
        if (!current) throw new LatchkeyError('RESIDENT_NOT_FOUND');
        await repo.clearDetails([id]);
        await repo.delete(siteId, id);
        await audit(trx, grant, actor, 'resident.deleted', { residentId: id, name: current.name });
      });
    },
  };
}

/** The patch's fields that were sent (an absent field stays as it is). */
function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export type ResidentsService = ReturnType<typeof createResidentsService>;
