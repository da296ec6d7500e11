import { randomUUID } from 'node:crypto';
import type { ErrorCode } from '../../core/errors.ts';
import { decodeCursor, toPage } from '../store/cursor.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import type { AuditEventsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { Actor } from './actor.ts';
import { LatchkeyError } from '../../core/errors.ts';

export interface AuditEntry {
  companyId: string;
  siteId: string | null;
  actor: Actor | null;
  action: string;
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

/** Reading a site's audit trail (the site's access is checked by the caller). */
export function createAuditService(deps: { store: Store }) {
  return {
    async listForSite(siteId: string, cursor: string | undefined, limit: number) {
      const after = cursor === undefined ? null : decodeCursor(cursor, 2);
      if (cursor !== undefined && after === null) throw invalidCursor();
      const rows = await auditRepo(deps.store.db).listForSite(
        siteId,
        after as [string, string] | null,
        limit,
      );
      return toPage(
        rows,
        limit,
        (row) => [row.created_at, row.id],
        (row) => ({
          id: row.id,
          action: row.action,
          outcome: row.outcome,
          errorCode: row.error_code,
          serialNumber: row.serial_number,
          actor: row.actor_email,
          ip: row.ip,
          detail: JSON.parse(row.detail) as Record<string, unknown>,
          createdAt: row.created_at,
        }),
      );
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
