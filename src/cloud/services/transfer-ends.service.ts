import { offerEndReason, requestEndReason, type EndCause } from '../../core/transfer.rules.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import { notificationsRepo } from '../store/repos/notifications.repo.ts';
import {
  transferRequestsRepo,
  type TransferRequestRow,
} from '../store/repos/transfer-requests.repo.ts';
import { transfersRepo } from '../store/repos/transfers.repo.ts';
import type { Executor, NotificationsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { auditRow } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';
import type { CloudEventBus } from './events.ts';
import type { NoticeMailer } from './notice-mail.service.ts';
import { notificationRows } from './notifications.service.ts';
import type { ServiceLog } from './service-log.ts';
import { cancelledNotice, requestCancelledNotice } from './transfer.views.ts';

/**
 * Ends an offer without an answer, in the caller's transaction (it holds the offer's row): the
 * state and reason, an audit row on each side, and the notices to both sides (issue 18: "both
 * sides are told why"). The notification rows are returned for mailing after commit.
 */
export async function cancelOffer(
  trx: Executor,
  store: Pick<Store, 'dialect'>,
  input: { transferId: string; reason: string; now: string },
): Promise<NotificationsTable[]> {
  const transfers = transfersRepo(trx, store.dialect);
  const transfer = await transfers.findById(input.transferId);
  if (!transfer) return [];
  if (!(await transfers.end(transfer.id, { state: 'cancelled', reason: input.reason }))) return [];
  const items = await transfers.itemsOf([transfer.id]);
  const serials = items.map((item) => item.serial_number);
  const summary = { siteName: transfer.site_name, serials };
  const detail = { transferId: transfer.id, reason: input.reason };
  await auditRepo(trx).insertMany(
    [transfer.from_company_id, transfer.to_company_id].map((companyId) =>
      auditRow(
        {
          companyId,
          siteId: null,
          actor: null,
          action: 'transfer.cancelled',
          outcome: 'success',
          detail,
        },
        input.now,
      ),
    ),
  );
  const offering = await transfers.offeringSide(
    transfer.from_company_id,
    [...new Set(items.map((item) => item.source_site_id))],
    transfer.offered_by,
  );
  const receiving = await transfers.adminsOf(transfer.to_company_id);
  const rows = [
    ...notificationRows(
      offering,
      cancelledNotice({ ...summary, companyId: transfer.from_company_id }, input.reason),
      input.now,
    ),
    ...notificationRows(
      receiving,
      cancelledNotice({ ...summary, companyId: transfer.to_company_id }, input.reason),
      input.now,
    ),
  ];
  await notificationsRepo(trx).insertMany(rows);
  return rows;
}

/** Ends a request without an answer, in the caller's transaction; the requester is told why. */
export async function cancelRequest(
  trx: Executor,
  store: Pick<Store, 'dialect'>,
  input: { request: TransferRequestRow; reason: string; now: string },
): Promise<NotificationsTable[]> {
  const { request, reason, now } = input;
  const ended = await transferRequestsRepo(trx, store.dialect).end(request.id, {
    state: 'cancelled',
    reason,
  });
  if (!ended) return [];
  const detail = { requestId: request.id, reason };
  await auditRepo(trx).insertMany([
    auditRow(
      {
        companyId: request.requester_company_id,
        siteId: request.site_id,
        actor: null,
        action: 'transfer-request.cancelled',
        outcome: 'success',
        serialNumber: request.serial_number,
        detail,
      },
      now,
    ),
    auditRow(
      {
        companyId: request.owner_company_id,
        siteId: request.owner_site_id,
        actor: null,
        action: 'transfer-request.cancelled',
        outcome: 'success',
        serialNumber: request.serial_number,
        detail,
      },
      now,
    ),
  ]);
  const rows = notificationRows(
    [request.requester_user_id],
    requestCancelledNotice({ serial: request.serial_number, siteId: request.site_id }, reason),
    now,
  );
  await notificationsRepo(trx).insertMany(rows);
  return rows;
}

/**
 * Pending offers and requests end when their devices change hands another way (issue 18: "A
 * claim by a regenerated code while an offer is pending cancels the offer, and both sides are
 * told why"): after every ownership change, offers naming a device that is no longer in the site
 * it was offered from (or no longer the offering company's), and requests whose device left the
 * site they ask, are cancelled with the reason.
 */
export function createTransferEnds(deps: {
  store: Store;
  clock: Clock;
  events: CloudEventBus;
  notices: Pick<NoticeMailer, 'notify'>;
  log: ServiceLog;
}) {
  const { store } = deps;
  const running = new Set<Promise<void>>();
  let stopped = false;

  async function endOffers(serials: readonly string[], cause: EndCause) {
    const ids = await transfersRepo(store.db, store.dialect).pendingWith(serials);
    for (const id of ids) {
      const rows = await store.transaction(async (trx) => {
        const transfers = transfersRepo(trx, store.dialect);
        await transfers.lock(id);
        const items = await transfers.itemsOf([id]);
        const transfer = await transfers.findById(id);
        if (!transfer || transfer.state !== 'pending') return [];
        const owners = await devicesRepo(trx, store.dialect).ownersOf(
          items.map((item) => item.serial_number),
        );
        const lost = items.filter((item) => {
          const owner = owners.get(item.serial_number);
          return (
            owner?.site_id !== item.source_site_id || owner.company_id !== transfer.from_company_id
          );
        });
        if (lost.length === 0) return [];
        const serial =
          lost.find((item) => serials.includes(item.serial_number))?.serial_number ??
          lost[0]!.serial_number;
        return cancelOffer(trx, store, {
          transferId: id,
          reason: offerEndReason(serial, cause),
          now: iso(deps.clock.now()),
        });
      });
      deps.notices.notify(rows);
    }
  }

  async function endRequests(serials: readonly string[], cause: EndCause) {
    const pending = await transferRequestsRepo(store.db, store.dialect).pendingFor(serials);
    for (const request of pending) {
      const rows = await store.transaction(async (trx) => {
        const requests = transferRequestsRepo(trx, store.dialect);
        await requests.lock(request.id);
        const current = await requests.findById(request.id);
        if (!current || current.state !== 'pending') return [];
        const owner = await devicesRepo(trx, store.dialect).ownerOf(current.serial_number);
        if (
          owner?.site_id === current.owner_site_id &&
          owner.company_id === current.owner_company_id
        )
          return [];
        return cancelRequest(trx, store, {
          request: current,
          reason: requestEndReason(current.serial_number, cause),
          now: iso(deps.clock.now()),
        });
      });
      deps.notices.notify(rows);
    }
  }

  /** Ends what the devices' new places make stale; the caller awaits it after its commit. */
  async function endStale(serials: readonly string[], cause: EndCause): Promise<void> {
    if (serials.length === 0) return;
    await endOffers(serials, cause);
    await endRequests(serials, cause);
  }

  // Offers and requests answer their own moves (after commit, awaited); every other change of
  // hands (a claim, a delete, a move between own sites, a bulk add) is followed here.
  const onOwnershipChanged = ({
    serialNumber,
    cause,
  }: {
    serialNumber: string;
    cause: EndCause;
  }) => {
    if (stopped || cause === 'transfer' || cause === 'request') return;
    const work = endStale([serialNumber], cause)
      .catch((error: unknown) =>
        deps.log.error({ err: error, serialNumber }, 'transfers: ending stale offers failed'),
      )
      .finally(() => running.delete(work));
    running.add(work);
  };
  deps.events.on('ownership-changed', onOwnershipChanged);

  return {
    endStale,
    /** Resolves when no follow-up of an ownership change is running (tests, shutdown). */
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.all([...running]);
    },
    stop() {
      stopped = true;
      deps.events.off('ownership-changed', onOwnershipChanged);
    },
  };
}

export type TransferEnds = ReturnType<typeof createTransferEnds>;
