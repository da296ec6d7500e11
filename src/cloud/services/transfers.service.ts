import type { AuditAction } from '../../core/audit-actions.ts';
import { randomUUID } from 'node:crypto';
import { LatchkeyError, isLatchkeyError } from '../../core/errors.ts';
import {
  effectiveState,
  expiryOf,
  MAX_OFFER_DEVICES,
  receivingCompany,
} from '../../core/transfer.rules.ts';
import type { SerialNumber } from '../../core/serial.rules.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { webhooksRepo } from '../store/repos/webhooks.repo.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import { membershipsRepo } from '../store/repos/memberships.repo.ts';
import { notificationsRepo } from '../store/repos/notifications.repo.ts';
import { sitesRepo } from '../store/repos/sites.repo.ts';
import { transfersRepo, type TransferRow } from '../store/repos/transfers.repo.ts';
import { usersRepo } from '../store/repos/users.repo.ts';
import type { Executor, NotificationsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { auditRow } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';
import type { CloudEventBus } from './events.ts';
import type { NoticeMailer } from './notice-mail.service.ts';
import { notificationRows } from './notifications.service.ts';
import { moveOwnerships, type OwnershipMove } from './ownership-move.ts';
import { cancelOffer, type TransferEnds } from './transfer-ends.service.ts';
import {
  answeredNotice,
  offeredNotice,
  publicTransfer,
  itemsByTransfer,
  cancelledNotice,
} from './transfer.views.ts';

export interface OfferInput {
  toEmail: string;
  serialNumbers?: SerialNumber[] | undefined;
  siteId?: string | undefined;
}

/** What an answer's transaction decided: an error to throw after commit, or what moved. */
type Answer =
  | { error: LatchkeyError; rows: NotificationsTable[] }
  | { error: null; rows: NotificationsTable[]; moved: string[]; to: { id: string; name: string } };

/** The error of an answer to an offer that is no longer pending, with how it ended. */
const notPending = (cause?: string) =>
  new LatchkeyError('TRANSFER_NOT_PENDING', cause === undefined ? {} : { cause });

/**
 * Offers of devices or of a whole site to another company, and their answers (issue 18,
 * "Transfers with consent"). While an offer is pending everything stays with the owner; an
 * acceptance moves ownership in one transaction with moveOwnerships and audits both sides.
 */
export function createTransfersService(deps: {
  access: AccessService;
  store: Store;
  clock: Clock;
  events: CloudEventBus;
  notices: Pick<NoticeMailer, 'notify'>;
  ends: Pick<TransferEnds, 'endStale'>;
}) {
  const { store } = deps;
  const repo = () => transfersRepo(store.db, store.dialect);
  const now = () => iso(deps.clock.now());

  /** The devices offered and the site each is in, after the access checks (not found: hidden). */
  async function offeredItems(actor: Actor, companyId: string, input: OfferInput) {
    if (input.siteId !== undefined) {
      const { site } = await deps.access.requireSite(actor, 'site:manage', input.siteId);
      // A site of another of the person's companies is not the current company's to offer.
      if (site.company_id !== companyId) throw new LatchkeyError('SITE_NOT_FOUND');
      const serials = await repo().siteDevices(site.id);
      return { site, items: serials.map((serial) => ({ serial, siteId: site.id })) };
    }
    const serials = [...new Set(input.serialNumbers ?? [])];
    const owners = await devicesRepo(store.db, store.dialect).ownersOf(serials);
    const items = serials.map((serial) => {
      const owner = owners.get(serial);
      if (owner?.company_id !== companyId) throw new LatchkeyError('DEVICE_NOT_FOUND');
      return { serial, siteId: owner.site_id };
    });
    for (const siteId of new Set(items.map((item) => item.siteId))) {
      try {
        await deps.access.requireSite(actor, 'site:manage', siteId);
      } catch (error) {
        // A device in a site the person cannot see is not found, as that site is (tenancy).
        if (isLatchkeyError(error) && error.code === 'SITE_NOT_FOUND') {
          throw new LatchkeyError('DEVICE_NOT_FOUND');
        }
        throw error;
      }
    }
    return { site: null, items };
  }

  /**
   * The company that receives an offer to `toEmail` (decisions 18-transfers). Telling "nobody"
   * apart from a company tells an offering admin whether the address has an account elsewhere;
   * only people who may offer devices learn it, and the offer then names that company anyway.
   */
  async function recipientOf(toEmail: string, offeringCompanyId: string) {
    const user = await usersRepo(store.db).findByEmail(toEmail.trim().toLowerCase());
    const companies = user ? await membershipsRepo(store.db).companiesOf(user.id) : [];
    const company = receivingCompany(companies, offeringCompanyId);
    if (!company) throw new LatchkeyError('TRANSFER_RECIPIENT_UNKNOWN');
    return company;
  }

  /** A pending offer past its expiry is stored as expired, then reads as not pending. */
  async function refuseIfExpired(transfer: TransferRow) {
    if (effectiveState(transfer, now()) === 'expired') {
      await repo().expireDue([transfer.id], now());
      throw notPending();
    }
    if (transfer.state !== 'pending') throw notPending();
  }

  /** Re-reads the offer under its lock; an error when it was answered in the meantime. */
  async function lockPending(trx: Executor, id: string) {
    const transfers = transfersRepo(trx, store.dialect);
    await transfers.lock(id);
    const transfer = await transfers.findById(id);
    if (!transfer || effectiveState(transfer, now()) !== 'pending') return null;
    return transfer;
  }

  async function view(id: string) {
    const row = await repo().findById(id);
    if (!row) throw new LatchkeyError('TRANSFER_NOT_FOUND');
    return publicTransfer(row, await repo().itemsOf([id]), now());
  }

  /** An offer addressed to the current company, for its admins to answer. */
  async function received(actor: Actor, id: string) {
    const { companyId } = await deps.access.requireCompany(actor, 'company:admin');
    const transfer = await repo().findById(id);
    if (transfer?.to_company_id !== companyId) throw new LatchkeyError('TRANSFER_NOT_FOUND');
    await refuseIfExpired(transfer);
    return transfer;
  }

  /** Both sides' audit rows of an answer; the offering side sees no person of the other. */
  function answerAudit(
    transfer: TransferRow,
    actor: Actor,
    action: AuditAction,
    detail: Record<string, unknown>,
    at: { receivingSiteId: string | null },
  ) {
    const t = now();
    return [
      auditRow(
        {
          companyId: transfer.to_company_id,
          siteId: at.receivingSiteId,
          actor,
          action,
          outcome: 'success',
          detail: { transferId: transfer.id, fromCompany: transfer.from_company_name, ...detail },
        },
        t,
      ),
      auditRow(
        {
          companyId: transfer.from_company_id,
          siteId: transfer.site_id,
          actor: null,
          action,
          outcome: 'success',
          detail: { transferId: transfer.id, toCompany: transfer.to_company_name, ...detail },
        },
        t,
      ),
    ];
  }

  /**
   * The moves of an accepted offer inside its transaction, with every device re-checked under
   * its lock: still the offering company's, in the site it was offered from. A device lost to a
   * claim, a delete or a request in the meantime cancels the offer and moves nothing.
   */
  async function accepting(
    trx: Executor,
    actor: Actor,
    transfer: TransferRow,
    target: { id: string; name: string; company_id: string } | null,
  ): Promise<Answer> {
    const transfers = transfersRepo(trx, store.dialect);
    const items = await transfers.itemsOf([transfer.id]);
    const serials = items.map((item) => item.serial_number);
    const site = transfer.site_id === null ? null : await sitesRepo(trx).findById(transfer.site_id);
    // One locking statement, in serial order, for the offered devices and those the site holds
    // now: two lock sets taken one after the other could wait on another answer's (deadlock).
    const inSiteBefore = site ? await transfers.siteDevices(site.id) : [];
    await transfers.lockDevices([...new Set([...serials, ...inSiteBefore])]);
    const owners = await devicesRepo(trx, store.dialect).ownersOf(serials);
    const lost = items.find((item) => {
      const owner = owners.get(item.serial_number);
      return (
        owner?.site_id !== item.source_site_id || owner.company_id !== transfer.from_company_id
      );
    });
    if (lost || (site && site.company_id !== transfer.from_company_id)) {
      const reason = lost
        ? `Device ${lost.serial_number} is no longer in the site it was offered from, so the offer was cancelled and nothing moved.`
        : 'The site is no longer the offering company’s, so the offer was cancelled.';
      const rows = await cancelOffer(trx, store, { transferId: transfer.id, reason, now: now() });
      return { error: notPending(reason), rows };
    }
    // Told before anything moves: the offering side's people as they are now.
    const offering = await transfers.offeringSide(
      transfer.from_company_id,
      [...new Set(items.map((item) => item.source_site_id))],
      transfer.offered_by,
    );
    let to: { id: string; name: string; company_id: string };
    let moves: OwnershipMove[];
    if (site) {
      // The site row itself moves (same id): its apartments, residents and settings follow it.
      // Read after the locks: the devices the site holds as it is handed over.
      const inSite = await transfers.siteDevices(site.id);
      await transfers.handOverSite(site.id, transfer.to_company_id);
      to = { id: site.id, name: site.name, company_id: transfer.to_company_id };
      moves = inSite.map((serialNumber) => ({
        serialNumber,
        from: { site_id: site.id, site_name: site.name, company_id: transfer.from_company_id },
      }));
    } else {
      if (!target) throw new LatchkeyError('TRANSFER_SITE_REQUIRED');
      to = target;
      moves = items.map((item) => ({
        serialNumber: item.serial_number,
        from: owners.get(item.serial_number)!,
      }));
    }
    const moved = await moveOwnerships(trx, store.dialect, {
      moves,
      to,
      actor,
      reason: site ? 'site handed over' : 'transfer accepted',
      now: now(),
    });
    // Every offered device was re-checked under its lock: one that did not move is a fault.
    if (serials.some((serial) => !moved.includes(serial))) {
      throw new Error('transfer: a locked device did not move');
    }
    await transfers.end(transfer.id, {
      state: 'accepted',
      answered_at: now(),
      answered_by: actor.userId,
      accepted_site_id: to.id,
    });
    await webhooksRepo(trx).enqueue(
      [transfer.from_company_id, transfer.to_company_id].map((id) => ({
        companyId: id,
        type: 'transfer.accepted',
        data: {
          transferId: transfer.id,
          serialNumbers: moved,
          siteId: to.id,
          side: id === transfer.from_company_id ? 'offering' : 'receiving',
        },
        createdAt: now(),
      })),
    );
    await auditRepo(trx).insertMany(
      answerAudit(
        transfer,
        actor,
        'transfer.accepted',
        { devices: moved.length },
        {
          receivingSiteId: to.id,
        },
      ),
    );
    const rows = notificationRows(
      offering,
      answeredNotice(
        {
          companyId: transfer.from_company_id,
          toCompanyName: transfer.to_company_name,
          siteName: transfer.site_name,
          serials,
        },
        true,
      ),
      now(),
    );
    await notificationsRepo(trx).insertMany(rows);
    return { error: null, rows, moved, to };
  }

  return {
    /** POST /api/transfers: an offer of devices, or of a whole site, to another company. */
    async offer(actor: Actor, input: OfferInput) {
      const { companyId, companyName } = await deps.access.requireCompany(actor, 'company:read');
      const bySerial = input.serialNumbers !== undefined;
      if (bySerial === (input.siteId !== undefined)) throw new LatchkeyError('TRANSFER_EMPTY');
      if (
        bySerial &&
        (input.serialNumbers!.length === 0 || input.serialNumbers!.length > MAX_OFFER_DEVICES)
      ) {
        throw new LatchkeyError('TRANSFER_EMPTY');
      }
      const { site, items } = await offeredItems(actor, companyId, input);
      const to = await recipientOf(input.toEmail, companyId);
      const created = deps.clock.now();
      const transfer = {
        id: randomUUID(),
        from_company_id: companyId,
        to_company_id: to.id,
        to_email: input.toEmail.trim().toLowerCase(),
        offered_by: actor.userId,
        site_id: site?.id ?? null,
        state: 'pending' as const,
        reason: null,
        created_at: iso(created),
        expires_at: expiryOf(created),
        answered_at: null,
        answered_by: null,
        accepted_site_id: null,
      };
      const serials = items.map((item) => item.serial);
      const rows = await store.transaction(async (trx) => {
        const transfers = transfersRepo(trx, store.dialect);
        await transfers.lockDevices(serials);
        // Read after the locks: an offer of the same device committed meanwhile is seen.
        const busy = await transfers.busy(serials, transfer.created_at);
        if (busy.length > 0 || (site && (await transfers.siteBusy(site.id, transfer.created_at)))) {
          throw new LatchkeyError('DEVICE_BUSY');
        }
        const owners = await devicesRepo(trx, store.dialect).ownersOf(serials);
        if (items.some((item) => owners.get(item.serial)?.site_id !== item.siteId)) {
          throw new LatchkeyError('DEVICE_NOT_FOUND');
        }
        await transfers.insert(transfer);
        await transfers.insertItems(
          items.map((item) => ({
            transfer_id: transfer.id,
            serial_number: item.serial,
            source_site_id: item.siteId,
          })),
        );
        await auditRepo(trx).insertMany([
          auditRow(
            {
              companyId,
              siteId: site?.id ?? null,
              actor,
              action: 'transfer.offered',
              outcome: 'success',
              serialNumber: serials.length === 1 ? serials[0]! : null,
              detail: {
                transferId: transfer.id,
                toCompany: to.name,
                devices: serials.length,
                ...(site ? { site: site.name } : {}),
              },
            },
            transfer.created_at,
          ),
        ]);
        const notices = notificationRows(
          await transfers.adminsOf(to.id),
          offeredNotice({
            companyId: to.id,
            fromCompanyName: companyName,
            siteName: site?.name ?? null,
            serials,
          }),
          transfer.created_at,
        );
        await notificationsRepo(trx).insertMany(notices);
        // Issue 20: both companies hear of the offer, in its transaction (the outbox).
        const data = { transferId: transfer.id, serialNumbers: serials, siteId: site?.id ?? null };
        await webhooksRepo(trx).enqueue(
          [companyId, to.id].map((id) => ({
            companyId: id,
            type: 'transfer.offered',
            data: { ...data, side: id === companyId ? 'offering' : 'receiving' },
            createdAt: transfer.created_at,
          })),
        );
        return notices;
      });
      deps.notices.notify(rows);
      deps.events.emit('webhook-changed', { companyId, endpointId: null });
      return { id: transfer.id, state: 'pending' as const, expiresAt: transfer.expires_at };
    },

    /**
     * GET /api/transfers: the current company's offers, newest first. Admins see all of them;
     * a member sees the offers they made (only admins answer the received ones).
     */
    async list(actor: Actor) {
      const { companyId, role } = await deps.access.requireCompany(actor, 'company:read');
      const admin = role === 'admin';
      const [offered, receivedRows] = await Promise.all([
        repo().listFor('from', companyId, admin ? null : actor.userId),
        admin ? repo().listFor('to', companyId, null) : Promise.resolve([]),
      ]);
      const at = now();
      const all = [...offered, ...receivedRows];
      await repo().expireDue(
        all
          .filter((row) => effectiveState(row, at) === 'expired' && row.state === 'pending')
          .map((row) => row.id),
        at,
      );
      const items = itemsByTransfer(await repo().itemsOf(all.map((row) => row.id)));
      const show = (row: TransferRow) => publicTransfer(row, items.get(row.id) ?? [], at);
      return {
        offered: offered.map(show),
        received: receivedRows.map(show),
      };
    },

    /** POST /api/transfers/:id/accept: the receiving company's admin takes the offer. */
    async accept(actor: Actor, id: string, siteId: string | undefined) {
      const transfer = await received(actor, id);
      let target: { id: string; name: string; company_id: string } | null = null;
      if (transfer.site_id === null) {
        if (siteId === undefined) throw new LatchkeyError('TRANSFER_SITE_REQUIRED');
        const { site } = await deps.access.requireSite(actor, 'site:manage', siteId);
        if (site.company_id !== transfer.to_company_id) throw new LatchkeyError('SITE_NOT_FOUND');
        target = site;
      }
      const answer = await store.transaction(async (trx): Promise<Answer> => {
        const pending = await lockPending(trx, id);
        if (!pending) return { error: notPending(), rows: [] };
        return accepting(trx, actor, pending, target);
      });
      deps.notices.notify(answer.rows);
      if (answer.error) throw answer.error;
      for (const serialNumber of answer.moved) {
        deps.events.emit('ownership-changed', {
          serialNumber,
          siteId: answer.to.id,
          siteName: answer.to.name,
          cause: 'transfer',
        });
      }
      // Requests to release the devices that moved end now, their requesters told why.
      await deps.ends.endStale(answer.moved, 'transfer');
      return { transfer: await view(id) };
    },

    /** POST /api/transfers/:id/reject: the receiving company's admin says no; nothing moves. */
    async reject(actor: Actor, id: string) {
      const transfer = await received(actor, id);
      const rows = await store.transaction(async (trx) => {
        const pending = await lockPending(trx, id);
        if (!pending) throw notPending();
        const transfers = transfersRepo(trx, store.dialect);
        await transfers.end(id, {
          state: 'rejected',
          answered_at: now(),
          answered_by: actor.userId,
        });
        await auditRepo(trx).insertMany(
          answerAudit(transfer, actor, 'transfer.rejected', {}, { receivingSiteId: null }),
        );
        const items = await transfers.itemsOf([id]);
        const notices = notificationRows(
          await transfers.offeringSide(
            transfer.from_company_id,
            [...new Set(items.map((item) => item.source_site_id))],
            transfer.offered_by,
          ),
          answeredNotice(
            {
              companyId: transfer.from_company_id,
              toCompanyName: transfer.to_company_name,
              siteName: transfer.site_name,
              serials: items.map((item) => item.serial_number),
            },
            false,
          ),
          now(),
        );
        await notificationsRepo(trx).insertMany(notices);
        return notices;
      });
      deps.notices.notify(rows);
      return { transfer: await view(id) };
    },

    /** POST /api/transfers/:id/cancel: the offering company's admin or the person who offered. */
    async cancel(actor: Actor, id: string) {
      const { companyId, role } = await deps.access.requireCompany(actor, 'company:read');
      const transfer = await repo().findById(id);
      if (transfer?.from_company_id !== companyId) throw new LatchkeyError('TRANSFER_NOT_FOUND');
      if (role !== 'admin' && transfer.offered_by !== actor.userId) {
        throw new LatchkeyError('INSUFFICIENT_ROLE');
      }
      await refuseIfExpired(transfer);
      const rows = await store.transaction(async (trx) => {
        const pending = await lockPending(trx, id);
        if (!pending) throw notPending();
        const transfers = transfersRepo(trx, store.dialect);
        const reason = `${transfer.from_company_name} cancelled the offer.`;
        await transfers.end(id, {
          state: 'cancelled',
          reason,
          answered_at: now(),
          answered_by: actor.userId,
        });
        const detail = { transferId: id, toCompany: transfer.to_company_name };
        await auditRepo(trx).insertMany([
          auditRow(
            {
              companyId,
              siteId: transfer.site_id,
              actor,
              action: 'transfer.cancelled',
              outcome: 'success',
              detail,
            },
            now(),
          ),
          auditRow(
            {
              companyId: transfer.to_company_id,
              siteId: null,
              actor: null,
              action: 'transfer.cancelled',
              outcome: 'success',
              detail: { transferId: id, fromCompany: transfer.from_company_name },
            },
            now(),
          ),
        ]);
        const items = await transfers.itemsOf([id]);
        const notices = notificationRows(
          await transfers.adminsOf(transfer.to_company_id),
          cancelledNotice(
            {
              companyId: transfer.to_company_id,
              siteName: transfer.site_name,
              serials: items.map((item) => item.serial_number),
            },
            reason,
          ),
          now(),
        );
        await notificationsRepo(trx).insertMany(notices);
        return notices;
      });
      deps.notices.notify(rows);
      return { transfer: await view(id) };
    },
  };
}

export type TransfersService = ReturnType<typeof createTransfersService>;
