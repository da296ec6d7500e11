import { sql } from 'kysely';
import type { StoreDialect } from '../dialect.ts';
import { prepared } from '../prepared.query.ts';
import type { AuditEventsTable, Executor, NotificationsTable, OwnershipsTable } from '../schema.ts';
import { attemptLockKeys, attemptsRepo } from './attempts.repo.ts';
import { notificationsRepo } from './notifications.repo.ts';
import type { NewDelivery } from './webhooks.repo.ts';
import { claimDeviceColumns, withOwner, type ClaimDevice } from './devices.repo.ts';

/** What one claim writes, whichever way it is committed. */
export interface ClaimWrites {
  /** The device's new owner, inserted or replacing the one before. */
  ownership: { row: OwnershipsTable; replaces: boolean } | null;
  /** The device's new known generation, or null when the claim leaves it as it is. */
  raiseGeneration: number | null;
  audit: AuditEventsTable[];
  notifications: NotificationsTable[];
  /**
   * Issue 20's outbox: the webhook deliveries of the claim (device.added, and on a move from
   * another company device.moved-away), committed with the ownership (20-webhooks.md).
   */
  webhooks: NewDelivery[];
  /** Whether the claim counts as a failed guess under each of its scopes (`failureScopes`). */
  recordsFailure: boolean;
  /**
   * The owner's notice of wrong codes on their device: sent only when this failure makes the
   * serial's failures in the window reach the limit and none was sent to that site since the
   * window began (claim rules: "notified once").
   */
  failureNotice: { siteId: string; rows: NotificationsTable[] } | null;
}

/** The scope a claim's failures are counted under for the owner's notice, never refused on. */
export const serialScope = (serial: string) => ({ scope: 'claim-serial', key: serial });

export const FAILURE_NOTICE_KIND = 'claim-failures';

/** What a claim was decided on: it is committed only if this still holds. */
export interface ClaimExpectation {
  serialNumber: string;
  device: ClaimDevice | undefined;
}

// For each claim, the site if the person belongs to its company, and the device with its owner:
// one statement for the claims read together (PostgreSQL's unnest turns the arrays into rows).
// A claim whose site is not the person's has no row. `has_webhooks` says whether the target's
// or the owner's company has an enabled webhook endpoint: without, the claim reads none
// (issue 20), and costs no statement more than before webhooks.
const sitesAndDevices = prepared(
  (db: Executor, siteIds: string[], userIds: string[], serials: string[]) =>
    db
      .selectFrom(
        sql<{
          site_id: string;
          user_id: string;
          serial: string;
          i: string;
        }>`(select * from unnest(${siteIds}::text[], ${userIds}::text[], ${serials}::text[]) with ordinality as claim(site_id, user_id, serial, i))`.as(
          'claim',
        ),
      )
      .innerJoin('sites', 'sites.id', 'claim.site_id')
      .innerJoin('memberships', (join) =>
        join
          .onRef('memberships.company_id', '=', 'sites.company_id')
          .onRef('memberships.user_id', '=', 'claim.user_id'),
      )
      .leftJoin('devices', 'devices.serial_number', 'claim.serial')
      .leftJoin('ownerships', 'ownerships.serial_number', 'devices.serial_number')
      .leftJoin('sites as owner_site', 'owner_site.id', 'ownerships.site_id')
      .select([
        'claim.i',
        'sites.id as target_site_id',
        'sites.company_id as target_company_id',
        'sites.name as target_site_name',
        ...claimDeviceColumns,
        sql<boolean>`exists (select 1 from webhook_endpoints w where w.enabled = 1 and w.company_id in (sites.company_id, owner_site.company_id))`.as(
          'has_webhooks',
        ),
      ]),
);

type SiteAndDeviceRow = Awaited<ReturnType<typeof sitesAndDevices>>['rows'][number];

/**
 * A claim's site and device as read; the device undefined when there is no such serial, and
 * whether either company concerned has an enabled webhook endpoint.
 */
function siteAndDeviceOf(row: Omit<SiteAndDeviceRow, 'i'>) {
  const { target_site_id, target_company_id, target_site_name, has_webhooks, ...deviceColumns } =
    row;
  const hasWebhooks = has_webhooks;
  const site = { id: target_site_id, company_id: target_company_id, name: target_site_name };
  const { serial_number, model, secret_enc, known_generation } = deviceColumns;
  if (serial_number === null || model === null || secret_enc === null || known_generation === null)
    return { site, device: undefined, hasWebhooks };
  const device: ClaimDevice = withOwner({
    ...deviceColumns,
    serial_number,
    model,
    secret_enc,
    known_generation,
    online: deviceColumns.online ?? 0,
  });
  return { site, device, hasWebhooks };
}

const commitClaims = prepared(
  (db: Executor, claims: string, serials: string[], lockKeys: string[]) =>
    db.selectNoFrom(
      sql<
        string[]
      >`latchkey_commit_claims(${claims}::jsonb, ${serials}::text[], ${lockKeys}::text[])`.as(
        'statuses',
      ),
    ),
);

/** A claim decided and ready to commit: what it was decided on, and what it writes. */
export interface DecidedClaim {
  expected: ClaimExpectation;
  /** The scopes whose limits refuse the claim (account, address). */
  scopes: readonly { scope: string; key: string }[];
  /** The scopes a failure is recorded under: those above and the serial's. */
  failureScopes: readonly { scope: string; key: string }[];
  limit: { since: string; maxFailures: number };
  writes: ClaimWrites;
  now: string;
}

export type CommitStatus = 'committed' | 'stale' | 'limited';

const sortedUnique = (values: string[]) => [...new Set(values)].sort();

/** A claim's reads and writes where they are not those of one table. */
export function claimsRepo(db: Executor, dialect: StoreDialect) {
  return {
    /**
     * Sends the owner's notice of wrong codes (ClaimWrites.failureNotice) if it is due, after
     * the failure was recorded, in the claim's transaction. The PostgreSQL function does the
     * same in its own statements.
     */
    async sendFailureNoticeIfDue(
      serial: string,
      notice: NonNullable<ClaimWrites['failureNotice']>,
      limit: { since: string; maxFailures: number },
    ): Promise<void> {
      const [limiting] = await attemptsRepo(db, dialect).limitingFailures(
        [serialScope(serial)],
        limit.since,
        limit.maxFailures,
      );
      if (limiting === null || limiting === undefined) return;
      const sent = await db
        .selectFrom('notifications')
        .select('id')
        .where('kind', '=', FAILURE_NOTICE_KIND)
        .where('serial_number', '=', serial)
        .where('site_id', '=', notice.siteId)
        .where('created_at', '>', limit.since)
        .limit(1)
        .executeTakeFirst();
      if (!sent) await notificationsRepo(db).insertMany(notice.rows);
    },
    /**
     * For each claim, its site if the person may reach it (tenant isolation) and the device with
     * its owner (undefined when there is no such device); undefined as a whole when the site is
     * not theirs. One statement for all; nothing is locked: what is decided on it is committed
     * by `commitDecided`, which checks it still holds. PostgreSQL only (unnest).
     */
    async readForClaims(
      claims: readonly { siteId: string; userId: string; serial: string }[],
    ): Promise<(ReturnType<typeof siteAndDeviceOf> | undefined)[]> {
      const { rows } = await sitesAndDevices(
        db,
        claims.map(({ siteId }) => siteId),
        claims.map(({ userId }) => userId),
        claims.map(({ serial }) => serial),
      );
      const read: (ReturnType<typeof siteAndDeviceOf> | undefined)[] = claims.map(() => undefined);
      // A membership is one row per person and company, so each claim has at most one row.
      for (const { i, ...row } of rows) read[Number(i) - 1] = siteAndDeviceOf(row);
      return read;
    },
    /**
     * Commits decided claims in one statement and one transaction
     * (dialects/postgres/functions.ts): each only if its device and owner are still as read and
     * no rate-limit scope of it is full, in order; the others write nothing, and their status
     * says why (`stale` or `limited`). The PostgreSQL claim committer's second step.
     */
    async commitDecided(claims: readonly DecidedClaim[]): Promise<CommitStatus[]> {
      const payload = claims.map(({ expected, scopes, failureScopes, limit, writes, now }) => ({
        serial: expected.serialNumber,
        knownGeneration: expected.device?.known_generation ?? null,
        ownerSite: expected.device?.owner?.site_id ?? null,
        ownerGeneration: expected.device?.owner?.claimed_generation ?? null,
        scopes: scopes.map(({ scope }) => scope),
        scopeKeys: scopes.map(({ key }) => key),
        failureScopes: failureScopes.map(({ scope }) => scope),
        failureScopeKeys: failureScopes.map(({ key }) => key),
        noticeSite: writes.failureNotice?.siteId ?? null,
        notice: writes.failureNotice?.rows ?? [],
        since: limit.since,
        maxFailures: limit.maxFailures,
        ownership: writes.ownership?.row ?? null,
        raiseGeneration: writes.raiseGeneration,
        audit: writes.audit,
        notifications: writes.notifications,
        webhooks: writes.webhooks,
        recordsFailure: writes.recordsFailure,
        now,
      }));
      const result = await commitClaims(
        db,
        JSON.stringify(payload),
        sortedUnique(claims.map(({ expected }) => expected.serialNumber)),
        sortedUnique(claims.flatMap(({ scopes }) => attemptLockKeys(scopes))),
      );
      const statuses = result.rows[0]?.statuses ?? [];
      if (
        statuses.length !== claims.length ||
        statuses.some((status) => !['committed', 'stale', 'limited'].includes(status))
      ) {
        throw new Error(`latchkey_commit_claims answered ${JSON.stringify(statuses)}`);
      }
      return statuses as CommitStatus[];
    },
  };
}
