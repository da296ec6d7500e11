import type { AuditAction } from '../../core/audit-actions.ts';
import type { DeviceEventMessage, DeviceStateMessage } from '../../core/link.protocol.ts';
import { deriveLinkPassword } from '../../core/security-code.rules.ts';
import type { SerialNumber } from '../../core/serial.rules.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { webhooksRepo, type WebhookEventDraft } from '../store/repos/webhooks.repo.ts';
import { brokerAccountsRepo } from '../store/repos/broker-accounts.repo.ts';
import { deviceReportsRepo } from '../store/repos/device-reports.repo.ts';
import { devicePresenceRepo } from '../store/repos/device-presence.repo.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import { notificationsRepo } from '../store/repos/notifications.repo.ts';
import { provisioningRepo } from '../store/repos/provisioning.repo.ts';
import type { Executor, NotificationsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { auditRow } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';
import type { CloudEventBus } from './events.ts';
import { notificationRows, type NotificationDraft } from './notifications.service.ts';
import { safeEqual } from './tokens.ts';
import { batchedTransactions, WriteBatcher } from '../store/write-batcher.ts';
import type { NoticeMailer } from './notice-mail.service.ts';
import type { AccessLogService } from './access-log.service.ts';

/** What the owning site reads when someone generated a new code on its device (issue 4). */
function regeneratedNotification(
  serial: string,
  site: { id: string; name: string },
): NotificationDraft {
  return {
    kind: 'code-regenerated',
    title: `A new security code was generated on ${serial}`,
    body: `Someone with administrator access to the device ${serial} in your site "${site.name}" generated a new security code; the device can now be moved to another account with it. The old security code no longer works.`,
    siteId: site.id,
    serialNumber: serial,
  };
}

function factoryResetNotification(
  serial: string,
  site: { id: string; name: string },
  network: boolean,
): NotificationDraft {
  return {
    kind: 'factory-reset',
    title: `Device ${serial} was reset to factory defaults`,
    body: `The device ${serial} in your site "${site.name}" was reset to its default configuration${network ? ', network settings and certificates included' : ''}. Its administrator password is the default again until someone changes it; it stays in your site.`,
    siteId: site.id,
    serialNumber: serial,
  };
}

/** What the cloud does with what devices say over the link; the link layer only transports. */
export function createDeviceLinkService(deps: {
  store: Store;
  clock: Clock;
  events: CloudEventBus;
  deviceSecrets: SecretBox;
  /** Mails the notifications once their transaction is committed. */
  notices?: Pick<NoticeMailer, 'notify'>;
  /** Keeps the door events devices report (issue 17). */
  accessLog?: Pick<AccessLogService, 'record'>;
  /** Issue 17: what cloud-managed directory a device says it holds (Auto Provisioning). */
  onDirectoryReported?: (serial: string, held: DeviceStateMessage['directory']) => Promise<void>;
  /** Issue 20: told after a commit that queued webhook deliveries (the dispatcher wakes). */
  onWebhooksQueued?: () => void;
}) {
  const { store, clock, events } = deps;
  const notices = deps.notices ?? { notify: () => undefined };
  const devices = (db: Executor) => devicesRepo(db, store.dialect);
  // Set by a transaction that queued webhook deliveries; told once it is committed.
  let webhooksQueued = false;
  const queueWebhooks = async (trx: Executor, drafts: WebhookEventDraft[]) => {
    if ((await webhooksRepo(trx).enqueue(drafts)) > 0) webhooksQueued = true;
  };
  const tellWebhooks = () => {
    if (!webhooksQueued) return;
    webhooksQueued = false;
    deps.onWebhooksQueued?.();
  };

  /** Something a device said that its owner hears of (audit, and a notification if drafted). */
  interface OwnerReport {
    serial: string;
    action: AuditAction;
    draft: ((site: { id: string; name: string }) => NotificationDraft) | null;
    detail: Record<string, unknown>;
  }

  /** Audits, and notifies who is told about each owning site (recipientsOf), in the caller's transaction. */
  async function tellOwners(
    trx: Executor,
    reports: readonly OwnerReport[],
  ): Promise<NotificationsTable[]> {
    const owners = await devices(trx).ownersOf(reports.map((r) => r.serial));
    const told = reports.filter((r) => owners.has(r.serial));
    if (told.length === 0) return [];
    const recipients = await notificationsRepo(trx).recipientsOfSites([
      ...new Set(told.filter((r) => r.draft).map((r) => owners.get(r.serial)!.site_id)),
    ]);
    const now = iso(clock.now());
    const audits = told.map((r) => {
      const owner = owners.get(r.serial)!;
      return auditRow(
        {
          companyId: owner.company_id,
          siteId: owner.site_id,
          actor: null,
          action: r.action,
          outcome: 'success',
          serialNumber: r.serial,
          detail: { ...r.detail, source: 'device' },
        },
        now,
      );
    });
    const notifications = told.flatMap((r) => {
      const owner = owners.get(r.serial)!;
      return r.draft
        ? notificationRows(
            recipients.get(owner.site_id) ?? [],
            r.draft({ id: owner.site_id, name: owner.site_name }),
            now,
          )
        : [];
    });
    await auditRepo(trx).insertMany(audits);
    await notificationsRepo(trx).insertMany(notifications);
    // Issue 20: the outbox, in the report's transaction.
    await queueWebhooks(
      trx,
      told
        .filter((r) => r.action === 'device.code-regenerated')
        .map((r) => ({
          companyId: owners.get(r.serial)!.company_id,
          type: 'device.code-regenerated',
          data: { serialNumber: r.serial, siteId: owners.get(r.serial)!.site_id, ...r.detail },
          createdAt: now,
        })),
    );
    return notifications;
  }

  interface GenerationSeen {
    serial: string;
    generation: number;
    via: string;
  }

  /** Raises knownGeneration; where it rose, the owner hears of the new code (once). */
  async function raiseGenerations(trx: Executor, seen: readonly GenerationSeen[]) {
    // A device may report twice in one batch (state and event): its newest report counts.
    const newest = new Map<string, GenerationSeen>();
    for (const item of seen) {
      if ((newest.get(item.serial)?.generation ?? -1) < item.generation) {
        newest.set(item.serial, item);
      }
    }
    const raised = await deviceReportsRepo(trx).raiseKnownGenerations([...newest.values()]);
    return tellOwners(
      trx,
      raised.map((serial) => {
        const { generation, via } = newest.get(serial)!;
        return {
          serial,
          action: 'device.code-regenerated',
          draft: (site) => regeneratedNotification(serial, site),
          detail: { generation, via },
        };
      }),
    );
  }

  // Generations reported at the same moment share one transaction and one UPDATE (group
  // commit): after a mass Generate New, the last device's old code is refused after a few
  // commits, not after a thousand. Events and states feed this one queue, so a state and an
  // event of the same moment are one raise (the newest), not two transactions side by side
  // that each raise and each tell the owner (issue 14). Who tells is decided by the UPDATE
  // that raises (raiseKnownGenerations): another node raising the same device at once waits
  // for the row and then finds nothing left to raise.
  // Mails leave once the batch is committed, never for a batch rolled back.
  const raiseAndMail = async (items: GenerationSeen[]) =>
    notices.notify(await store.transaction((trx) => raiseGenerations(trx, items)));
  const generations = new WriteBatcher<GenerationSeen>(raiseAndMail, (item) =>
    raiseAndMail([item]),
  );
  const codeGenerationSeen = (serial: string, generation: number, via: string) =>
    generations.add({ serial, generation, via });

  /**
   * Issue 18: the online history, written with the presence it records. A row per real change
   * only (a repeated "online" is none), under the company that owns the device then, so a
   * later owner never sees it (null: in no site).
   */
  async function recordPresence(trx: Executor, serials: string[], online: boolean, at: string) {
    const presence = devicePresenceRepo(trx);
    const changed = await presence.flip(serials, online);
    const owners = await devices(trx).ownersOf(changed);
    await presence.record(
      changed.map((serial) => ({
        serial_number: serial,
        company_id: owners.get(serial)?.company_id ?? null,
        online: online ? 1 : 0,
        at,
      })),
    );
    // Issue 20: device.online / device.offline of owned devices, in the same transaction.
    await queueWebhooks(
      trx,
      changed.flatMap((serial) => {
        const owner = owners.get(serial);
        return owner
          ? [
              {
                companyId: owner.company_id,
                type: online ? 'device.online' : 'device.offline',
                data: { serialNumber: serial, siteId: owner.site_id },
                createdAt: at,
              },
            ]
          : [];
      }),
    );
  }

  // Connect storms (a building's network comes back) send presence and state from thousands of
  // devices at once: they are written in batches too.
  const presences = batchedTransactions(
    store,
    async (trx, items: { serial: string; online: boolean }[]) => {
      // Per device, the last word in the batch counts (each device's messages arrive in order).
      const last = new Map(items.map((item) => [item.serial, item.online]));
      const now = iso(clock.now());
      for (const online of [true, false]) {
        const serials = [...last].filter(([, value]) => value === online).map(([s]) => s);
        await recordPresence(trx, serials, online, now);
        await deviceReportsRepo(trx).setPresence(serials, online, now);
      }
    },
  );
  const reports = batchedTransactions(
    store,
    async (trx, items: { serial: string; firmware: string }[]) => {
      const latest = new Map(items.map((item) => [item.serial, item]));
      const now = iso(clock.now());
      // A report means online too: if it is first to say so, the history has it from here.
      await recordPresence(trx, [...latest.keys()], true, now);
      await deviceReportsRepo(trx).setReported([...latest.values()], now);
    },
  );

  /** One device event its owner hears of, in a transaction of its own. */
  const tellOwner = async (report: OwnerReport) =>
    notices.notify(await store.transaction((trx) => tellOwners(trx, [report])));

  return {
    /** MQTT login: username = serial, password = HMAC of the device secret (DESIGN.md "Link"). */
    async authenticate(serial: string, password: string): Promise<boolean> {
      const device = await devices(store.db).findBySerial(serial);
      if (!device) return false;
      const secret = deps.deviceSecrets.open(device.secret_enc, device.serial_number);
      return safeEqual(deriveLinkPassword(secret, serial as SerialNumber), password);
    },

    async presence(serial: string, online: boolean) {
      await presences.add({ serial, online });
      tellWebhooks();
      events.emit('device-updated', { serialNumber: serial });
    },

    async state(serial: string, state: DeviceStateMessage) {
      // A code generated while the link was down is learnt from the state sent on reconnect.
      await Promise.all([
        reports.add({ serial, firmware: state.firmware }),
        codeGenerationSeen(serial, state.codeGeneration, 'state'),
      ]);
      tellWebhooks();
      events.emit('device-updated', { serialNumber: serial });
      // Not awaited: a directory push takes as long as the device needs, the link goes on.
      // It never rejects (it reports its own failures).
      void deps.onDirectoryReported?.(serial, state.directory);
    },

    async event(serial: string, event: DeviceEventMessage) {
      switch (event.type) {
        case 'code-regenerated':
          await codeGenerationSeen(serial, event.generation, 'event');
          break;
        case 'factory-reset':
          await tellOwner({
            serial,
            action: 'device.factory-reset',
            draft: (site) => factoryResetNotification(serial, site, event.network),
            detail: { network: event.network },
          });
          break;
        case 'config-restored':
        case 'restarted':
          await tellOwner({
            serial,
            action: `device.${event.type}`,
            draft: null,
            detail: { ...event },
          });
          break;
        case 'access':
          // Stored before 'device-updated' below, so a live portal refetches a log that has it.
          await deps.accessLog?.record(serial, event);
          break;
        case 'firmware-progress':
          // Issue 19: the rollouts service follows these (rollouts.service.ts).
          events.emit('firmware-progress', { serialNumber: serial, progress: event });
          break;
      }
      tellWebhooks();
      events.emit('device-updated', { serialNumber: serial });
    },

    /**
     * The site the device should show (name) and, issue 17, its id and the device's
     * Configuration Mode there; null when it is in no site.
     */
    async ownership(serial: string): Promise<{
      siteId: string;
      siteName: string;
      configurationMode: 'automatic' | 'manual';
    } | null> {
      const owner = await devices(store.db).ownerOf(serial);
      if (!owner) return null;
      const settings = await provisioningRepo(store.db).settingsOf(serial, owner.site_id);
      return {
        siteId: owner.site_id,
        siteName: owner.site_name,
        configurationMode: settings?.configuration_mode ?? 'automatic',
      };
    },

    /** After a restart of the only node that held the links, nobody is connected (history too). */
    markAllOffline: () =>
      store.transaction(async (trx) => {
        const online = await devices(trx).onlineSerials();
        const now = iso(clock.now());
        // In slices: a statement's parameters are bounded (SQLite 32,766; PostgreSQL 65,535).
        for (let i = 0; i < online.length; i += 1000) {
          await recordPresence(trx, online.slice(i, i + 1000), false, now);
        }
      }),

    /**
     * Up to `limit` devices without a login on the external broker `broker` yet, with the
     * password each must be given there (the same HMAC the embedded broker checks).
     */
    async brokerLoginsToProvision(
      broker: string,
      limit: number,
    ): Promise<{ serial: string; password: string }[]> {
      const rows = await brokerAccountsRepo(store.db).pending(broker, limit);
      return rows.map((row) => ({
        serial: row.serial_number,
        password: deriveLinkPassword(
          deps.deviceSecrets.open(row.secret_enc, row.serial_number),
          row.serial_number as SerialNumber,
        ),
      }));
    },

    brokerLoginsProvisioned: (broker: string, serials: readonly string[]) =>
      brokerAccountsRepo(store.db).markProvisioned(broker, serials, iso(clock.now())),

    forgetBrokerLogins: (broker: string) => brokerAccountsRepo(store.db).forget(broker),
  };
}

export type DeviceLinkService = ReturnType<typeof createDeviceLinkService>;
