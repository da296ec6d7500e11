import { randomUUID } from 'node:crypto';
import type { AuditAction } from '../../core/audit-actions.ts';
import type { ErrorCode } from '../../core/errors.ts';
import { decodeCursor, toPage } from '../store/cursor.ts';
import type { AuditRepo } from '../store/repos/audit.repo.ts';
import type { AuditEventsTable } from '../store/schema.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { LatchkeyError } from '../../core/errors.ts';

export interface AuditEntry {
  companyId: string;
  siteId: string | null;
  actor: Actor | null;
  action: AuditAction;
  outcome: 'success' | 'refused';
  errorCode?: ErrorCode | null;
  serialNumber?: string | null;
  /** Anything else worth keeping; never a security code or a secret. */
  detail?: Record<string, unknown>;
}

/** Builds an audit row with every column set (for batch inserts). */
export function auditRow(entry: AuditEntry, now: string): AuditEventsTable {
  return {
    id: randomUUID(),
    company_id: entry.companyId,
    site_id: entry.siteId,
    actor_user_id: entry.actor?.userId ?? null,
    actor_email: entry.actor?.email ?? null,
    action: entry.action,
    outcome: entry.outcome,
    error_code: entry.errorCode ?? null,
    serial_number: entry.serialNumber ?? null,
    ip: entry.actor?.ip ?? null,
    detail: JSON.stringify(entry.detail ?? {}),
    created_at: now,
  };
}

/** A successful change in a site by a person, as one audit row (issue 17's site writes). */
export const siteChangeRow = (
  site: { id: string; company_id: string },
  actor: AuditEntry['actor'],
  action: AuditAction,
  detail: Record<string, unknown>,
  now: string,
): AuditEventsTable =>
  auditRow(
    { companyId: site.company_id, siteId: site.id, actor, action, outcome: 'success', detail },
    now,
  );

export const publicAuditEvent = (row: AuditEventsTable) => ({
  id: row.id,
  siteId: row.site_id,
  action: row.action,
  outcome: row.outcome,
  errorCode: row.error_code,
  serialNumber: row.serial_number,
  actor: row.actor_email,
  ip: row.ip,
  detail: JSON.parse(row.detail) as Record<string, unknown>,
  createdAt: row.created_at,
});

function pageAfter(cursor: string | undefined): [string, string] | null {
  const after = cursor === undefined ? null : decodeCursor(cursor, 2);
  if (cursor !== undefined && after === null) throw invalidCursor();
  return after as [string, string] | null;
}

/** Reading audit trails: a site's (its site-admins) and the whole company's (its admins). */
export function createAuditService(deps: {
  access: AccessService;
  audit: Pick<AuditRepo, 'listForSite' | 'listForCompany'>;
}) {
  return {
    async listForSite(actor: Actor, siteId: string, cursor: string | undefined, limit: number) {
      const { site } = await deps.access.requireSite(actor, 'site:audit', siteId);
      const rows = await deps.audit.listForSite(siteId, site.company_id, pageAfter(cursor), limit);
      return toPage(rows, limit, (row) => [row.created_at, row.id], publicAuditEvent);
    },

    /** Company events (members, invitations, settings) and every site's, newest first. */
    async listForCompany(actor: Actor, cursor: string | undefined, limit: number) {
      const company = await deps.access.requireCompany(actor, 'company:admin');
      const rows = await deps.audit.listForCompany(company.companyId, pageAfter(cursor), limit);
      return toPage(rows, limit, (row) => [row.created_at, row.id], publicAuditEvent);
    },
  };
}

/** The error for a `cursor` that was not issued by us. */
export function invalidCursor(): LatchkeyError {
  return new LatchkeyError('VALIDATION_FAILED', {
    fields: [
      { field: 'cursor', message: 'Use the nextCursor of the previous page as it was given.' },
    ],
  });
}
