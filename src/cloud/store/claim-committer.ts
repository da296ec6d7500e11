import type { LatchkeyError } from '../../core/errors.ts';
import type { ClaimWrites } from './repos/claims.repo.ts';
import type { ClaimDevice } from './repos/devices.repo.ts';
import type { SubscribedEndpoint } from './repos/webhooks.repo.ts';

/** The site a device is claimed into. */
export type ClaimSite = { id: string; company_id: string; name: string };

type Scope = { scope: string; key: string };

/** One claim as the committer sees it: who claims what where, and the limits it is under. */
export interface ClaimTicket {
  siteId: string;
  userId: string;
  serialNumber: string;
  /** The scopes whose limits refuse the claim (claim rules: account and address). */
  scopes: readonly Scope[];
  /** The scopes a failed guess is recorded under: those above and the serial's. */
  failureScopes: readonly Scope[];
  /** The rate limit: failures counted since `since`, at most `maxFailures` per scope. */
  limit: { since: string; maxFailures: number; windowMs: number };
  now: Date;
}

/** What a claim is read from before it is planned. */
export interface ClaimRead {
  /** The target site; the read is undefined as a whole when it is not the person's. */
  site: ClaimSite;
  /**
   * The device as read ahead without locks (PostgreSQL), or null where the committer reads it
   * only under its locks (SQLite, whose transactions cost no round trip).
   */
  ahead: {
    device: ClaimDevice | undefined;
    /** Whether the target's or the owner's company had an enabled webhook endpoint (issue 20). */
    hasWebhooks: boolean;
  } | null;
}

/** What a plan is made from: the read, and under locks whether a scope is full. */
export interface ClaimView {
  site: ClaimSite;
  /** The device with its owner; undefined when the serial is not in the registry. */
  device: ClaimDevice | undefined;
  /** TOO_MANY_ATTEMPTS when a rate-limit scope was found full, else null. */
  limited: LatchkeyError | null;
  /** Who is told about a site, read where the plan is made: call it only while planning. */
  recipientsOf: (siteId: string) => Promise<string[]>;
  /**
   * The enabled webhook endpoints of these companies (webhooks.repo), read where the plan is
   * made: call it only while planning. An endpoint created after this read misses the claim.
   */
  webhookEndpointsOf: (companyIds: readonly string[]) => Promise<SubscribedEndpoint[]>;
}

/** Decides a claim on a view (claim.plan.ts); the committer may call it again on a fresher one. */
export type ClaimPlanner<R> = (view: ClaimView) => Promise<{ result: R; writes: ClaimWrites }>;

/**
 * How a claim is read and committed, one implementation per dialect
 * (dialects/<name>/claim.committer.ts). The claim service has one path: `read`, then `commit`
 * with its planner. A committer guarantees, whatever it batches or retries:
 * - the plan whose writes are committed was made on the device, owner and rate-limit scopes as
 *   they are at the commit (a stale read is planned again under locks, never committed);
 * - simultaneous claims on one device or one scope are committed one after the other;
 * - a claim's writes (ClaimWrites) are written all or none, refusals included.
 */
export interface ClaimCommitter {
  read(ticket: ClaimTicket): Promise<ClaimRead | undefined>;
  /** Plans the claim with `plan` on what holds, commits its writes, and returns its result. */
  commit<R>(ticket: ClaimTicket, read: ClaimRead, plan: ClaimPlanner<R>): Promise<R>;
}
