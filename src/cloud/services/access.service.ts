import {
  allows,
  needsRequiredSecondFactor,
  seesSite,
  type CompanyAction,
  type CompanyRole,
  type Grant,
  type SiteAction,
  type SiteRole,
} from '../../core/access.rules.ts';
import type { SiteType } from '../../core/building.model.ts';
import { LatchkeyError } from '../../core/errors.ts';
import type { MembershipsRepo } from '../store/repos/memberships.repo.ts';
import { credentialAllows, tokenCompanyOf, type Actor } from './actor.ts';

export interface CompanyAccess {
  companyId: string;
  companyName: string;
  role: CompanyRole;
}

export interface SiteAccess {
  site: {
    id: string;
    name: string;
    /** Issue 17: fixed at creation; a family home has exactly one apartment. */
    type: SiteType;
    company_id: string;
    created_at: string;
    company_name: string;
  };
  companyRole: CompanyRole;
  siteRole: SiteRole | null;
}

export interface AccessDeps {
  memberships: Pick<MembershipsRepo, 'companiesOf' | 'companyStanding' | 'siteStanding'>;
  /** Whether the person signs in with a second factor (a company may require it). */
  hasTwoFactor: (userId: string) => Promise<boolean>;
}

/**
 * The one access check at the top of every use case (issue 16; immich's `requireAccess`).
 * Tenancy: what the person cannot see is "not found", never "forbidden", so ids cannot be
 * probed; what they can see but their role does not allow is INSUFFICIENT_ROLE.
 */
export function createAccessService(deps: AccessDeps) {
  const { memberships } = deps;

  async function requireSecondFactor(requireTwoFactor: number, actor: Actor) {
    if (requireTwoFactor === 1 && !(await deps.hasTwoFactor(actor.userId))) {
      throw new LatchkeyError('TWO_FACTOR_REQUIRED');
    }
  }

  function check(grant: Grant, action: CompanyAction | SiteAction) {
    if (!allows(grant, action)) throw new LatchkeyError('INSUFFICIENT_ROLE');
  }

  /** The company a request acts in: X-Company-Id, else the token's, else the person's first. */
  async function currentCompanyId(actor: Actor): Promise<string | null> {
    const asked = actor.companyId ?? tokenCompanyOf(actor);
    if (asked !== undefined && asked !== null) return asked;
    return (await memberships.companiesOf(actor.userId))[0]?.id ?? null;
  }

  return {
    /** The current company, if the person is a member and their role allows `action`. */
    async requireCompany(actor: Actor, action: CompanyAction): Promise<CompanyAccess> {
      const companyId = await currentCompanyId(actor);
      const standing =
        companyId !== null && credentialAllows(actor, companyId)
          ? await memberships.companyStanding(companyId, actor.userId)
          : undefined;
      if (!standing) throw new LatchkeyError('COMPANY_NOT_FOUND');
      if (needsRequiredSecondFactor(action)) {
        await requireSecondFactor(standing.require_two_factor, actor);
      }
      check({ companyRole: standing.role, siteRole: null }, action);
      return { companyId: standing.id, companyName: standing.name, role: standing.role };
    },

    /** The site, if the person may see it and their role on it allows `action`. */
    async requireSite(actor: Actor, action: SiteAction, siteId: string): Promise<SiteAccess> {
      const row = await memberships.siteStanding(siteId, actor.userId);
      if (!row?.company_role || !credentialAllows(actor, row.company_id)) {
        throw new LatchkeyError('SITE_NOT_FOUND');
      }
      const grant: Grant = { companyRole: row.company_role, siteRole: row.site_role };
      if (!seesSite(grant)) throw new LatchkeyError('SITE_NOT_FOUND');
      await requireSecondFactor(row.require_two_factor, actor);
      check(grant, action);
      return {
        site: {
          id: row.id,
          name: row.name,
          type: row.type,
          company_id: row.company_id,
          created_at: row.created_at,
          company_name: row.company_name,
        },
        companyRole: grant.companyRole,
        siteRole: grant.siteRole,
      };
    },
  };
}

export type AccessService = ReturnType<typeof createAccessService>;
