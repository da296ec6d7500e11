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
  readImportFile,
  rowResident,
  type ImportColumn,
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

  /** What the site holds that rows are checked against. */
  async function siteState(trx: Executor, siteId: string) {
    const repo = residentsRepo(trx);
    const apartments = await apartmentsRepo(trx).listBySite(siteId);
    const residents = await repo.listAll(siteId);
    return {
      apartments: new Map(apartments.map((a) => [a.name, a.id])),
      residents: new Map(residents.map((r) => [residentKey(r.apartment_name, r.name), r])),
      rights: await repo.accessOfSite(siteId),
      devices: await repo.siteDevices(siteId),
    };
  }

  type SiteState = Awaited<ReturnType<typeof siteState>>;

  /** The row's apartment: the site's, or one the import creates (never a family home's second). */
  function rowApartment(
    grant: SiteAccess,
    state: SiteState,
    cells: ImportRow['cells'],
    created: ApartmentsTable[],
    errors: FieldError[],
  ): { name: string; id: string | undefined } {
    const apartment = checkApartment({ name: cells.apartment ?? '', floor: cells.floor });
    if (!apartment.ok) {
      const fields = apartment.fields.map((f) => ({
        ...f,
        field: f.field === 'name' ? 'apartment' : f.field,
      }));
      errors.push(...fields);
      return { name: cells.apartment ?? '', id: undefined };
    }
    const { name } = apartment.value;
    const known = state.apartments.get(name);
    if (known !== undefined) return { name, id: known };
    if (grant.site.type === 'family-home') {
      const only = [...state.apartments.keys()][0] ?? '';
      errors.push({
        field: 'apartment',
        message: `A family home has one apartment, "${only}"; name it in every row.`,
      });
      return { name, id: undefined };
    }
    const id = randomUUID();
    state.apartments.set(name, id);
    created.push({
      id,
      site_id: grant.site.id,
      ...apartment.value,
      created_at: iso(deps.clock.now()),
    });
    return { name, id };
  }

  /** The stored resident as a draft, or a new one's defaults. */
  function baseOf(
    state: SiteState,
    existing: StoredResident | undefined,
    apartmentId: string,
  ): ResidentDraftInput {
    if (!existing) return { name: '', apartmentId, pins: [], cards: [], enabled: true, access: [] };
    const credentials = keys.open(existing.id, existing.credentials_enc);
    return {
      name: existing.name,
      email: existing.email,
      apartmentId,
      ...credentials,
      validFrom: existing.valid_from,
      validTo: existing.valid_to,
      enabled: existing.enabled === 1,
      access: state.rights
        .filter((r) => r.resident_id === existing.id)
        .map((r) => ({ serialNumber: r.serial_number, switch: r.switch })),
      callTarget: existing.call_target,
    };
  }

  async function plan(
    trx: Executor,
    grant: SiteAccess,
    rows: ImportRow[],
    columns: Set<ImportColumn>,
  ) {
    const state = await siteState(trx, grant.site.id);
    const newApartments: ApartmentsTable[] = [];
    const seen = new Map<string, number>();
    const planned: PlannedRow[] = [];
    for (const { row, cells } of rows) {
      const errors: FieldError[] = [];
      const apartment = rowApartment(grant, state, cells, newApartments, errors);
      const key = residentKey(apartment.name, cells.name ?? '');
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        errors.push({
          field: 'name',
          message: `Row ${earlier} already has this resident of this apartment.`,
        });
      }
      seen.set(key, row);
      const existing = state.residents.get(key);
      const read = rowResident(cells, columns, baseOf(state, existing, apartment.id ?? ''));
      errors.push(...read.errors);
      const checked = checkResident(read.input, state.devices);
      if (!checked.ok)
        errors.push(...checked.fields.map((f) => ({ ...f, field: columnOf(f.field) })));
      const id = existing?.id ?? randomUUID();
      planned.push({ row, id, existing, errors, ...(checked.ok ? { draft: checked.value } : {}) });
    }
    await checkCredentials(trx, grant.site.id, planned);
    return { planned, newApartments, residentCount: state.residents.size };
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
    file: { rows: ImportRow[]; columns: Set<ImportColumn> },
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
      const file = { rows: read.rows, columns: new Set(read.columns) };
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
