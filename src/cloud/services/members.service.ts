import { keepsAnAdmin, type CompanyRole, type SiteRole } from '../../core/access.rules.ts';
import { LatchkeyError } from '../../core/errors.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { membershipsRepo, type MembershipsRepo } from '../store/repos/memberships.repo.ts';
import type { Executor } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { auditRow } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';
import type { CloudEventBus } from './events.ts';

export interface SiteGrant {
  siteId: string;
  role: SiteRole;
}

export interface MemberChange {
  role: CompanyRole;
  sites: SiteGrant[];
}

type MemberRow = NonNullable<Awaited<ReturnType<MembershipsRepo['findMember']>>>;
type GrantRow = Awaited<ReturnType<MembershipsRepo['listGrants']>>[number];

const publicMember = (member: MemberRow, grants: readonly GrantRow[]) => ({
  userId: member.user_id,
  email: member.email,
  name: member.name,
  role: member.role,
  sites: grants.map((grant) => ({
    siteId: grant.site_id,
    siteName: grant.site_name,
    role: grant.role,
  })),
  joinedAt: member.created_at,
});

const siteField = (index: number, message: string) =>
  new LatchkeyError('VALIDATION_FAILED', {
    fields: [{ field: `sites[${index}].siteId`, message }],
  });

/**
 * The company's members (issue 16): admins list them, change their roles and site grants and
 * remove them; anyone may leave. A company always keeps an admin (core keepsAnAdmin), checked
 * and written in one transaction under a lock on the company's membership rows.
 */
export function createMembersService(deps: {
  access: AccessService;
  store: Pick<Store, 'db' | 'dialect' | 'transaction'>;
  clock: Clock;
  events: CloudEventBus;
}) {
  const { access, store } = deps;
  const repo = (db: Executor) => membershipsRepo(db, store.dialect);

  /**
   * Inside the transaction, after the lock: the actor is still an admin (a concurrent change
   * may have demoted or removed them since the access check) and the member exists.
   */
  async function lockedMember(
    members: MembershipsRepo,
    companyId: string,
    actor: Actor,
    userId: string,
    actorMustBeAdmin: boolean,
  ): Promise<MemberRow> {
    await members.lockCompany(companyId);
    const self = await members.findMember(companyId, actor.userId);
    if (!self) throw new LatchkeyError('COMPANY_NOT_FOUND');
    if (actorMustBeAdmin && self.role !== 'admin') throw new LatchkeyError('INSUFFICIENT_ROLE');
    const member = userId === actor.userId ? self : await members.findMember(companyId, userId);
    if (!member) throw new LatchkeyError('MEMBER_NOT_FOUND');
    return member;
  }

  async function requireAdminLeft(
    members: MembershipsRepo,
    companyId: string,
    userId: string,
    newRole: CompanyRole | null,
  ) {
    if (!keepsAnAdmin(await members.adminsOf(companyId), userId, newRole)) {
      throw new LatchkeyError('LAST_ADMIN');
    }
  }

  const changed = (companyId: string, userId: string) =>
    deps.events.emit('membership-changed', { companyId, userId });

  return {
    async list(actor: Actor) {
      const company = await access.requireCompany(actor, 'company:admin');
      const members = repo(store.db);
      const [rows, grants] = await Promise.all([
        members.listMembers(company.companyId),
        members.listGrants(company.companyId),
      ]);
      const byUser = new Map<string, GrantRow[]>();
      for (const grant of grants) {
        byUser.set(grant.user_id, [...(byUser.get(grant.user_id) ?? []), grant]);
      }
      return { items: rows.map((row) => publicMember(row, byUser.get(row.user_id) ?? [])) };
    },

    /** Sets the member's role and replaces all their site grants (admins need none). */
    async update(actor: Actor, userId: string, change: MemberChange) {
      const company = await access.requireCompany(actor, 'company:admin');
      const { companyId } = company;
      const grants = change.role === 'admin' ? [] : change.sites;
      const seen = new Set<string>();
      for (const [index, grant] of grants.entries()) {
        if (seen.has(grant.siteId)) throw siteField(index, 'This site is listed twice.');
        seen.add(grant.siteId);
      }
      const result = await store.transaction(async (trx) => {
        const members = repo(trx);
        const member = await lockedMember(members, companyId, actor, userId, true);
        const known = new Set(
          await members.sitesOfCompany(
            companyId,
            grants.map((grant) => grant.siteId),
          ),
        );
        const unknown = grants.findIndex((grant) => !known.has(grant.siteId));
        if (unknown !== -1) throw siteField(unknown, 'There is no such site in this company.');
        await requireAdminLeft(members, companyId, userId, change.role);
        const now = iso(deps.clock.now());
        await members.setRole(companyId, userId, change.role);
        await members.replaceGrants(companyId, userId, grants, now);
        await auditRepo(trx).insertMany([
          auditRow(
            {
              companyId,
              siteId: null,
              actor,
              action: 'member.role-changed',
              outcome: 'success',
              detail: {
                userId,
                email: member.email,
                from: member.role,
                to: change.role,
                sites: grants,
              },
            },
            now,
          ),
        ]);
        return publicMember(
          { ...member, role: change.role },
          await members.listGrants(companyId, userId),
        );
      });
      changed(companyId, userId);
      return result;
    },

    /**
     * Removes the member (admins), or the actor leaves (their own id, any member). Their site
     * grants and the API tokens made for this company go in the same transaction; their
     * sessions stay but no longer reach this company (the access check reads the membership).
     */
    async remove(actor: Actor, userId: string) {
      const leaving = userId === actor.userId;
      const company = await access.requireCompany(
        actor,
        leaving ? 'company:leave' : 'company:admin',
      );
      const { companyId } = company;
      await store.transaction(async (trx) => {
        const members = repo(trx);
        const member = await lockedMember(members, companyId, actor, userId, !leaving);
        await requireAdminLeft(members, companyId, userId, null);
        const { tokensDeleted } = await members.removeMember(companyId, userId);
        await auditRepo(trx).insertMany([
          auditRow(
            {
              companyId,
              siteId: null,
              actor,
              action: leaving ? 'member.left' : 'member.removed',
              outcome: 'success',
              detail: { userId, email: member.email, role: member.role, tokensDeleted },
            },
            iso(deps.clock.now()),
          ),
        ]);
      });
      changed(companyId, userId);
    },
  };
}

export type MembersService = ReturnType<typeof createMembersService>;
