import { LatchkeyError } from '../../core/errors.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { companiesRepo } from '../store/repos/companies.repo.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { auditRow } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';

export interface CompanySettings {
  name?: string | undefined;
  requireTwoFactor?: boolean | undefined;
}

/** The current company and its settings (issue 16): read by members, changed by admins. */
export function createCompanyService(deps: {
  access: AccessService;
  store: Pick<Store, 'db' | 'transaction'>;
  clock: Clock;
  hasTwoFactor: (userId: string) => Promise<boolean>;
}) {
  const { access, store } = deps;

  async function read(actor: Actor, companyId: string, role: string) {
    const company = await companiesRepo(store.db).findById(companyId);
    if (!company) throw new LatchkeyError('COMPANY_NOT_FOUND');
    return {
      id: company.id,
      name: company.name,
      role,
      requireTwoFactor: company.require_two_factor === 1,
    };
  }

  return {
    async get(actor: Actor) {
      const company = await access.requireCompany(actor, 'company:read');
      return read(actor, company.companyId, company.role);
    },

    async update(actor: Actor, settings: CompanySettings) {
      const company = await access.requireCompany(actor, 'company:admin');
      // An admin who requires a second factor has one, or they would lock themselves out.
      if (settings.requireTwoFactor === true && !(await deps.hasTwoFactor(actor.userId))) {
        throw new LatchkeyError('TWO_FACTOR_REQUIRED', {
          cause: 'Set up two-factor sign-in on your own account before you require it of everyone.',
        });
      }
      const changes: { name?: string; require_two_factor?: number } = {};
      if (settings.name !== undefined) changes.name = settings.name.trim();
      if (settings.requireTwoFactor !== undefined) {
        changes.require_two_factor = settings.requireTwoFactor ? 1 : 0;
      }
      if (Object.keys(changes).length > 0) {
        await store.transaction(async (trx) => {
          await companiesRepo(trx).update(company.companyId, changes);
          await auditRepo(trx).insertMany([
            auditRow(
              {
                companyId: company.companyId,
                siteId: null,
                actor,
                action: 'company.settings-changed',
                outcome: 'success',
                detail: { ...settings },
              },
              iso(deps.clock.now()),
            ),
          ]);
        });
      }
      return read(actor, company.companyId, company.role);
    },
  };
}

export type CompanyService = ReturnType<typeof createCompanyService>;
