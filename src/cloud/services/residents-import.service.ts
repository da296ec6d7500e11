import { randomUUID } from 'node:crypto';
import { checkApartment } from '../../core/apartment.rules.ts';
import { MAX_RESIDENTS_PER_SITE } from '../../core/building.model.ts';
import { LatchkeyError, type FieldError } from '../../core/errors.ts';
import {
  checkResident,
  type ResidentDraft,
  type ResidentDraftInput,
} from '../../core/resident.rules.ts';
import {
  columnOf,
  readAccess,
  readEnabled,
  readImportFile,
  type ImportRow,
} from '../../core/residents-import.rules.ts';
import { apartmentsRepo } from '../store/repos/apartments.repo.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { residentsRepo } from '../store/repos/residents.repo.ts';
import type { ApartmentsTable, Executor, ResidentsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { AccessService, SiteAccess } from './access.service.ts';
import type { Actor } from './actor.ts';
import { auditRow } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';
import type { CloudEventBus } from './events.ts';
import type { ResidentCredentialKeys } from './resident-credentials.ts';
import { credentialRows, residentColumns } from './residents.service.ts';

export interface ImportRowAnswer {
  row: number;
  outcome: 'create' | 'update' | 'error';
  errors?: FieldError[];
  residentId?: string;
}

export interface ImportAnswer {
  dryRun: boolean;
  rows: ImportRowAnswer[];
  created: number;
  updated: number;
  errors: number;
}

type StoredResident = ResidentsTable & { apartment_name: string };

interface PlannedRow {
  row: number;
  id: string;
  existing: StoredResident | undefined;
  draft?: ResidentDraft;
  errors: FieldError[];
}

/** An apartment and resident match in a file: the apartment's exact name, the resident's name in any case. */
const residentKey = (apartment: string, name: string) =>
  `${apartment}\n${name.trim().toLowerCase()}`;

/**
 * Imports residents from a CSV file (issue 17): every row checked against the site and the
 * rest of the file, then all of it written in one transaction, or nothing.
 */
export function createResidentsImportService(deps: {
  access: AccessService;
  store: Store;
  clock: Clock;
  events: CloudEventBus;
  credentials: ResidentCredentialKeys;
}) {
  const { access, store, credentials: keys } = deps;

  async function plan(trx: Executor, grant: SiteAccess, rows: ImportRow[], columns: Set<string>) {
    const siteId = grant.site.id;
    const repo = residentsRepo(trx);
    const apartments = new Map(
      (await apartmentsRepo(trx).listBySite(siteId)).map((a) => [a.name, a.id]),
    );
    const residents = new Map(
      (await repo.listAll(siteId)).map((r) => [residentKey(r.apartment_name, r.name), r]),
    );
    const rights = await repo.accessOfSite(siteId);
    const devices = await repo.siteDevices(siteId);
    const newApartments: ApartmentsTable[] = [];
    const now = iso(deps.clock.now());
    const seen = new Map<string, number>();
    const planned: PlannedRow[] = [];

    for (const { row, cells } of rows) {
      const errors: FieldError[] = [];
      const apartment = checkApartment({ name: cells.apartment ?? '', floor: cells.floor });
      if (!apartment.ok) {
        errors.push(
          ...apartment.fields.map((f) => ({
            ...f,
            field: f.field === 'name' ? 'apartment' : f.field,
          })),
        );
      }
      const apartmentName = apartment.ok ? apartment.value.name : (cells.apartment ?? '');
      let apartmentId = apartments.get(apartmentName);
      if (apartment.ok && apartmentId === undefined) {
        if (grant.site.type === 'family-home') {
          errors.push({
            field: 'apartment',
            message: `A family home has one apartment, "${[...apartments.keys()][0] ?? ''}"; name it in every row.`,
          });
        } else {
          apartmentId = randomUUID();
          apartments.set(apartmentName, apartmentId);
          newApartments.push({
            id: apartmentId,
            site_id: siteId,
            ...apartment.value,
            created_at: now,
          });
        }
      }
      const key = residentKey(apartmentName, cells.name ?? '');
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        errors.push({
          field: 'name',
          message: `Row ${earlier} already has this resident of this apartment.`,
        });
      }
      seen.set(key, row);
      const existing = residents.get(key);
      const enabled = readEnabled(cells.enabled ?? '');
      if (columns.has('enabled') && enabled === null) {
        errors.push({
          field: 'enabled',
          message: 'Write yes or no (or true/false, 1/0), or leave it empty for yes.',
        });
      }
      const access = readAccess(cells.access ?? '');
      if (access === null) {
        errors.push({
          field: 'access',
          message: 'List SERIAL:SWITCH separated by spaces, e.g. "54-0562-0293:1 54-0562-0293:2".',
        });
      }
      const id = existing?.id ?? randomUUID();
      const stored = existing && keys.open(existing.id, existing.credentials_enc);
      const base: ResidentDraftInput = {
        name: cells.name ?? '',
        email: existing?.email ?? null,
        apartmentId: apartmentId ?? '',
        pins: stored?.pins ?? [],
        cards: stored?.cards ?? [],
        validFrom: existing?.valid_from ?? null,
        validTo: existing?.valid_to ?? null,
        enabled: existing ? existing.enabled === 1 : true,
        access: existing
          ? rights
              .filter((r) => r.resident_id === existing.id)
              .map((r) => ({ serialNumber: r.serial_number, switch: r.switch }))
          : [],
        callTarget: existing?.call_target ?? null,
      };
      const input: ResidentDraftInput = {
        ...base,
        ...(columns.has('email') ? { email: cells.email } : {}),
        ...(columns.has('pin') ? { pins: cells.pin ? [cells.pin] : [] } : {}),
        ...(columns.has('cards')
          ? { cards: (cells.cards ?? '').split(/\s+/).filter((c) => c !== '') }
          : {}),
        ...(columns.has('validFrom') ? { validFrom: cells.validFrom } : {}),
        ...(columns.has('validTo') ? { validTo: cells.validTo } : {}),
        ...(columns.has('enabled') && enabled !== null ? { enabled } : {}),
        ...(columns.has('access') && access !== null ? { access } : {}),
        ...(columns.has('callTarget') ? { callTarget: cells.callTarget } : {}),
      };
      const checked = checkResident(input, devices);
      if (!checked.ok)
        errors.push(...checked.fields.map((f) => ({ ...f, field: columnOf(f.field) })));
      planned.push({ row, id, existing, errors, ...(checked.ok ? { draft: checked.value } : {}) });
    }
    await checkCredentials(trx, siteId, planned);
    return { planned, newApartments, residentCount: residents.size };
  }

  /** A PIN or card is the file's once, and no resident's the file leaves as they are. */
  async function checkCredentials(trx: Executor, siteId: string, planned: PlannedRow[]) {
    const touched = new Set(planned.map((p) => p.id));
    const owners = new Map(
      (await residentsRepo(trx).credentialsOfSite(siteId)).map((c) => [c.lookup, c.resident_id]),
    );
    const inFile = new Map<string, number>();
    for (const p of planned) {
      if (!p.draft) continue;
      for (const lookup of credentialRows(keys, siteId, p.id, p.draft)) {
        const column = columnOf(lookup.field);
        const what = lookup.kind === 'pin' ? 'PIN' : 'card';
        const earlier = inFile.get(lookup.lookup);
        const owner = owners.get(lookup.lookup);
        if (earlier !== undefined) {
          p.errors.push({
            field: column,
            message: `Row ${earlier} has the same ${what}; each resident needs their own.`,
          });
        } else if (owner !== undefined && owner !== p.id && !touched.has(owner)) {
          p.errors.push({
            field: column,
            message: `Another resident of this site has this ${what}.`,
          });
        }
        inFile.set(lookup.lookup, p.row);
      }
    }
  }

  async function apply(
    trx: Executor,
    siteId: string,
    planned: PlannedRow[],
    newApartments: ApartmentsTable[],
  ) {
    const repo = residentsRepo(trx);
    const now = iso(deps.clock.now());
    await apartmentsRepo(trx).insertMany(newApartments);
    const updates = planned.filter((p) => p.existing);
    await repo.clearDetails(updates.map((p) => p.id));
    for (const p of updates)
      await repo.update(siteId, p.id, residentColumns(keys, p.id, p.draft!, now));
    await repo.insertMany(
      planned
        .filter((p) => !p.existing)
        .map((p) => ({
          id: p.id,
          site_id: siteId,
          created_at: now,
          ...residentColumns(keys, p.id, p.draft!, now),
        })),
    );
    await repo.insertCredentials(
      planned.flatMap((p) =>
        credentialRows(keys, siteId, p.id, p.draft!).map(({ field: _f, ...row }) => row),
      ),
    );
    await repo.insertAccess(
      planned.flatMap((p) =>
        p.draft!.access.map((r) => ({
          resident_id: p.id,
          serial_number: r.serialNumber,
          switch: r.switch,
        })),
      ),
    );
  }

  /** One attempt in one transaction: plan every row, then apply all of it unless refused. */
  async function importIn(
    trx: Executor,
    actor: Actor,
    grant: SiteAccess,
    file: { rows: ImportRow[]; columns: Set<string> },
    dryRun: boolean,
  ): Promise<ImportAnswer> {
    const siteId = grant.site.id;
    const { planned, newApartments, residentCount } = await plan(
      trx,
      grant,
      file.rows,
      file.columns,
    );
    const answer = answerOf(dryRun, planned);
    if (residentCount + answer.created > MAX_RESIDENTS_PER_SITE) {
      throw new LatchkeyError('RESIDENT_LIMIT_REACHED');
    }
    if (dryRun) return answer;
    // Nothing changes; the answer names every row to fix (what the dry run would say).
    if (answer.errors > 0) throw new LatchkeyError('IMPORT_HAS_ERRORS', { details: { ...answer } });
    await apply(trx, siteId, planned, newApartments);
    const detail = {
      created: answer.created,
      updated: answer.updated,
      apartmentsCreated: newApartments.length,
    };
    await auditRepo(trx).insertMany([
      auditRow(
        {
          companyId: grant.site.company_id,
          siteId,
          actor,
          action: 'residents.imported',
          outcome: 'success',
          detail,
        },
        iso(deps.clock.now()),
      ),
    ]);
    return answer;
  }

  return {
    /** Checks the file and, unless `dryRun`, applies it whole. */
    async import(
      actor: Actor,
      siteId: string,
      csv: string,
      dryRun: boolean,
    ): Promise<ImportAnswer> {
      const grant = await access.requireSite(actor, 'site:manage', siteId);
      const read = readImportFile(csv, MAX_RESIDENTS_PER_SITE);
      if (!read.ok) throw new LatchkeyError('VALIDATION_FAILED', { fields: read.fields });
      const file = { rows: read.rows, columns: new Set<string>(read.columns) };
      const attempt = () => store.transaction((trx) => importIn(trx, actor, grant, file, dryRun));
      let answer: ImportAnswer;
      try {
        answer = await attempt();
      } catch (error) {
        // A concurrent write took an apartment name, PIN or card after the checks: check again.
        if (!store.dialect.isUniqueViolation(error)) throw error;
        answer = await attempt();
      }
      if (!dryRun) deps.events.emit('residents-changed', { siteId });
      return answer;
    },
  };
}

/** The answer; a new resident's id only once it exists (applied, not a dry run or a refusal). */
function answerOf(dryRun: boolean, planned: PlannedRow[]): ImportAnswer {
  const applies = !dryRun && planned.every((p) => p.errors.length === 0);
  const rows = planned.map((p): ImportRowAnswer => {
    if (p.errors.length > 0) return { row: p.row, outcome: 'error', errors: p.errors };
    const outcome = p.existing ? 'update' : 'create';
    return { row: p.row, outcome, ...(p.existing || applies ? { residentId: p.id } : {}) };
  });
  return {
    dryRun,
    rows,
    created: rows.filter((r) => r.outcome === 'create').length,
    updated: rows.filter((r) => r.outcome === 'update').length,
    errors: rows.filter((r) => r.outcome === 'error').length,
  };
}

export type ResidentsImportService = ReturnType<typeof createResidentsImportService>;
