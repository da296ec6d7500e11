import { randomUUID } from 'node:crypto';
import type { CompanyRole, SiteRole } from '../../core/access.rules.ts';
import { LatchkeyError } from '../../core/errors.ts';
import type { MailQueue } from '../mail/mailer.ts';
import { invitationMail } from '../mail/templates.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { companiesRepo } from '../store/repos/companies.repo.ts';
import { invitationsRepo, siteNamesOf } from '../store/repos/invitations.repo.ts';
import { membershipsRepo } from '../store/repos/memberships.repo.ts';
import { usersRepo } from '../store/repos/users.repo.ts';
import type { InvitationsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { auditRow } from './audit.service.ts';
import type { AuthService, ClientInfo, SessionGrant } from './auth.service.ts';
import { iso, type Clock } from './clock.ts';
import type { CloudEventBus } from './events.ts';
import type { LoginThrottle } from './login-throttle.service.ts';
import type { PortalLinks } from './portal-links.ts';
import { hashToken, newToken } from './tokens.ts';

/** How long an invitation link works (issue 16). */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60_000;
/** Pending invitations one company may have at once (docs/decisions.md, "People"). */
export const MAX_PENDING_INVITATIONS = 50;

export interface InvitationInput {
  email: string;
  role: CompanyRole;
  sites?: { siteId: string; role: SiteRole }[] | undefined;
}

type StoredGrant = { siteId: string; role: SiteRole };

const grantsOf = (row: Pick<InvitationsTable, 'sites'>): StoredGrant[] =>
  JSON.parse(row.sites) as StoredGrant[];

const siteField = (index: number, message: string) =>
  new LatchkeyError('VALIDATION_FAILED', {
    fields: [{ field: `sites[${index}].siteId`, message }],
  });

/** Who accepts: the signed-in person of the session cookie, or nobody (a new account). */
export type Acceptor =
  | { kind: 'session'; userId: string; email: string }
  | { kind: 'new'; name: string; password: string };

/**
 * Invitations to join a company (issue 16). Admins invite by e-mail; the mail carries a link
 * with a 256-bit token of which only the SHA-256 is stored (like password resets). The link
 * works once, for seven days; a new invitation or a resend replaces the old link.
 */
export function createInvitationsService(deps: {
  access: AccessService;
  store: Pick<Store, 'db' | 'dialect' | 'transaction'>;
  clock: Clock;
  events: CloudEventBus;
  mail: MailQueue;
  links: PortalLinks;
  throttle: Pick<LoginThrottle, 'failedBearer'>;
  accounts: Pick<AuthService, 'newAccount' | 'openSession'>;
}) {
  const { access, store, clock } = deps;

  async function answer(db: Store['db'], companyId: string, row: InvitationsTable) {
    const grants = grantsOf(row);
    const names = await siteNamesOf(
      db,
      companyId,
      grants.map((g) => g.siteId),
    );
    return {
      id: row.id,
      email: row.email,
      role: row.role,
      // A site deleted since the invitation is no longer offered.
      sites: grants
        .filter((g) => names.has(g.siteId))
        .map((g) => ({ siteId: g.siteId, siteName: names.get(g.siteId)!, role: g.role })),
      expiresAt: row.expires_at,
    };
  }

  function mailOf(row: InvitationsTable, companyName: string, actor: Actor, token: string) {
    deps.mail.send(
      invitationMail({
        to: row.email,
        companyName,
        invitedBy: actor.email,
        role: row.role,
        link: deps.links.invitation(token),
      }),
    );
  }

  /** A token that names no pending invitation: counted as a failed sign-in of the address. */
  async function invalid(address: string): Promise<never> {
    await deps.throttle.failedBearer(address);
    throw new LatchkeyError('INVITATION_INVALID');
  }

  return {
    /** Invites `email` (a pending invitation of the same address is replaced). */
    async create(actor: Actor, input: InvitationInput) {
      const company = await access.requireCompany(actor, 'company:admin');
      const { companyId } = company;
      const email = input.email.trim().toLowerCase();
      const grants = input.role === 'admin' ? [] : (input.sites ?? []);
      const seen = new Set<string>();
      for (const [index, grant] of grants.entries()) {
        if (seen.has(grant.siteId)) throw siteField(index, 'This site is listed twice.');
        seen.add(grant.siteId);
      }
      const token = newToken();
      const { row, result } = await store.transaction(async (trx) => {
        const members = membershipsRepo(trx, store.dialect);
        const invitations = invitationsRepo(trx);
        // One invitation of the company at a time: the count of pending ones stays true.
        await members.lockCompany(companyId);
        const known = new Set(
          await members.sitesOfCompany(
            companyId,
            grants.map((g) => g.siteId),
          ),
        );
        const unknown = grants.findIndex((g) => !known.has(g.siteId));
        if (unknown !== -1) throw siteField(unknown, 'There is no such site in this company.');
        const existing = await usersRepo(trx).findByEmail(email);
        if (existing && (await members.companyStanding(companyId, existing.id))) {
          throw new LatchkeyError('ALREADY_MEMBER');
        }
        const now = clock.now();
        const replaced = await invitations.revokePendingFor(companyId, email, iso(now));
        if ((await invitations.countPending(companyId, iso(now))) >= MAX_PENDING_INVITATIONS) {
          throw new LatchkeyError('TOO_MANY_INVITATIONS');
        }
        const row: InvitationsTable = {
          id: randomUUID(),
          company_id: companyId,
          email,
          role: input.role,
          sites: JSON.stringify(grants.map((g) => ({ siteId: g.siteId, role: g.role }))),
          token_hash: hashToken(token),
          invited_by: actor.userId,
          created_at: iso(now),
          expires_at: iso(new Date(now.getTime() + INVITATION_TTL_MS)),
          accepted_at: null,
          accepted_by: null,
          revoked_at: null,
        };
        await invitations.insert(row);
        await auditRepo(trx).insertMany([
          auditRow(
            {
              companyId,
              siteId: null,
              actor,
              action: 'member.invited',
              outcome: 'success',
              detail: { invitationId: row.id, email, role: row.role, sites: grants, replaced },
            },
            iso(now),
          ),
        ]);
        return {
          row,
          result: { ...(await answer(trx, companyId, row)), link: deps.links.invitation(token) },
        };
      });
      mailOf(row, company.companyName, actor, token);
      return result;
    },

    async list(actor: Actor) {
      const { companyId } = await access.requireCompany(actor, 'company:admin');
      const rows = await invitationsRepo(store.db).listPending(companyId, iso(clock.now()));
      const items = [];
      for (const row of rows) {
        items.push({
          ...(await answer(store.db, companyId, row)),
          invitedBy: row.invited_by_email,
          createdAt: row.created_at,
        });
      }
      return { items };
    },

    /** A new token, seven more days and a new mail; the old link stops working. */
    async resend(actor: Actor, id: string) {
      const company = await access.requireCompany(actor, 'company:admin');
      const { companyId } = company;
      const token = newToken();
      const { row, result } = await store.transaction(async (trx) => {
        const invitations = invitationsRepo(trx);
        const now = clock.now();
        const found = await invitations.findPending(companyId, id, iso(now));
        if (!found) throw new LatchkeyError('INVITATION_NOT_FOUND');
        const row = {
          ...found,
          token_hash: hashToken(token),
          expires_at: iso(new Date(now.getTime() + INVITATION_TTL_MS)),
        };
        if (!(await invitations.renew(id, row.token_hash, row.expires_at, iso(now)))) {
          throw new LatchkeyError('INVITATION_NOT_FOUND');
        }
        await auditRepo(trx).insertMany([
          auditRow(
            {
              companyId,
              siteId: null,
              actor,
              action: 'invitation.resent',
              outcome: 'success',
              detail: { invitationId: id, email: row.email, role: row.role },
            },
            iso(now),
          ),
        ]);
        return {
          row,
          result: { ...(await answer(trx, companyId, row)), link: deps.links.invitation(token) },
        };
      });
      mailOf(row, company.companyName, actor, token);
      return result;
    },

    async revoke(actor: Actor, id: string) {
      const { companyId } = await access.requireCompany(actor, 'company:admin');
      await store.transaction(async (trx) => {
        const invitations = invitationsRepo(trx);
        const now = iso(clock.now());
        const found = await invitations.findPending(companyId, id, now);
        if (!found || !(await invitations.revoke(companyId, id, now))) {
          throw new LatchkeyError('INVITATION_NOT_FOUND');
        }
        await auditRepo(trx).insertMany([
          auditRow(
            {
              companyId,
              siteId: null,
              actor,
              action: 'invitation.revoked',
              outcome: 'success',
              detail: { invitationId: id, email: found.email, role: found.role },
            },
            now,
          ),
        ]);
      });
    },

    /** What the link offers (public: the token is the credential). */
    async lookup(token: string, address: string) {
      const row = await invitationsRepo(store.db).findByToken(hashToken(token), iso(clock.now()));
      if (!row) return invalid(address);
      return {
        companyName: row.company_name,
        email: row.email,
        role: row.role,
        invitedBy: row.invited_by_name ?? '',
        expiresAt: row.expires_at,
        accountExists: (await usersRepo(store.db).findByEmail(row.email)) !== undefined,
      };
    },

    /**
     * Accepts: the signed-in person joins, whatever their e-mail (docs/decisions.md, "People"),
     * or a new account with the invited e-mail is made and signed in. Membership, grants, the
     * use of the link and the audit are one transaction; the link is used up by one
     * conditional update, so of two accepts at once exactly one wins.
     */
    async accept(token: string, acceptor: Acceptor, client: ClientInfo) {
      const tokenHash = hashToken(token);
      const row = await invitationsRepo(store.db).findByToken(tokenHash, iso(clock.now()));
      if (!row) return invalid(client.address);
      const { company_id: companyId } = row;
      const newUser =
        acceptor.kind === 'new'
          ? await deps.accounts.newAccount(
              { email: row.email, name: acceptor.name, password: acceptor.password },
              client.address,
            )
          : null;
      const user = newUser ?? {
        id: acceptor.kind === 'session' ? acceptor.userId : '',
        email: acceptor.kind === 'session' ? acceptor.email : '',
      };
      try {
        await store.transaction(async (trx) => {
          const members = membershipsRepo(trx, store.dialect);
          const now = iso(clock.now());
          if (newUser) await usersRepo(trx).insert(newUser);
          if (!(await invitationsRepo(trx).consume(tokenHash, user.id, now))) {
            throw new LatchkeyError('INVITATION_INVALID');
          }
          if (await members.companyStanding(companyId, user.id)) {
            throw new LatchkeyError('ALREADY_MEMBER');
          }
          await companiesRepo(trx).insertMembership({
            user_id: user.id,
            company_id: companyId,
            role: row.role,
            created_at: now,
          });
          const offered = row.role === 'admin' ? [] : grantsOf(row);
          // Sites deleted since the invitation are skipped, not an error.
          const still = new Set(
            await members.sitesOfCompany(
              companyId,
              offered.map((g) => g.siteId),
            ),
          );
          const grants = offered.filter((g) => still.has(g.siteId));
          await members.replaceGrants(companyId, user.id, grants, now);
          await auditRepo(trx).insertMany([
            auditRow(
              {
                companyId,
                siteId: null,
                actor: { userId: user.id, email: user.email, ip: client.address },
                action: 'member.joined',
                outcome: 'success',
                detail: {
                  invitationId: row.id,
                  userId: user.id,
                  email: user.email,
                  invitedEmail: row.email,
                  role: row.role,
                  sites: grants,
                  newAccount: newUser !== null,
                },
              },
              now,
            ),
          ]);
        });
      } catch (error) {
        // Two accounts of one address at once: the unique index decides.
        if (newUser && store.dialect.isUniqueViolation(error)) {
          throw new LatchkeyError('EMAIL_TAKEN');
        }
        throw error;
      }
      deps.events.emit('membership-changed', { companyId, userId: user.id });
      const session: SessionGrant | null = newUser
        ? await deps.accounts.openSession(newUser.id, client)
        : null;
      return {
        joined: { companyId, companyName: row.company_name, role: row.role },
        session,
      };
    },
  };
}

export type InvitationsService = ReturnType<typeof createInvitationsService>;
