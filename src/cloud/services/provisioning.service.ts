import type { ConfigurationMode, Resident } from '../../core/building.model.ts';
import { MAX_MESSAGE_BYTES, type ReplyMessage } from '../../core/link.protocol.ts';
import {
  parseDirectoryHeld,
  type DirectoryHeld,
  type ProvisionArgs,
  type ProvisionEntry,
} from '../../core/provisioning.protocol.ts';
import {
  desiredDirectory,
  directoryDigest,
  entryDigest,
  planParts,
} from '../../core/provisioning.rules.ts';
import { provisioningRepo, type ResidentRow } from '../store/repos/provisioning.repo.ts';
import type { DeviceSyncTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { iso, type Clock } from './clock.ts';
import type { LogTarget } from './service-log.ts';
import type { CommandSender } from './device-commands.ts';
import type { CloudEventBus } from './events.ts';
import type { ResidentCredentialKeys } from './resident-credentials.ts';

/** residents-changed of one site within this window are one recomputation (a bulk import). */
const COALESCE_MS = 30;
/** Devices provisioned at once by this node; each device's parts go one after another. */
const CONCURRENT_DEVICES = 16;
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 60_000;

/** What one device should hold: the site whose entries it carries (null: none) and them. */
interface Desired {
  siteId: string | null;
  entries: ProvisionEntry[];
}

export interface ProvisioningDeps {
  store: Store;
  clock: Clock;
  events: CloudEventBus;
  commands: CommandSender;
  credentials: Pick<ResidentCredentialKeys, 'open'>;
  /** Where failures of background work are told (the node's logger). */
  log: LogTarget;
  /** How long a device has to answer one part; the link's command timeout when absent. */
  partTimeoutMs?: number;
}

/**
 * Auto Provisioning (issue 17): keeps each device's cloud-managed directory equal to what its
 * site's residents and rights say. The cloud decides a desired version per device (raised when
 * the digest of the desired directory changes), pushes it in parts over the link, and records
 * what the device says it applied: a delta from the version it holds when it can, else a full
 * replacement (docs/decisions.md, "Buildings").
 */
export function createProvisioningService(deps: ProvisioningDeps) {
  const { store, clock, events } = deps;
  const repo = () => provisioningRepo(store.db);
  const coalescing = new Map<string, NodeJS.Timeout>();
  const retries = new Map<string, { timer: NodeJS.Timeout; delay: number }>();
  /** Per device: the push in flight, and whether another was asked for meanwhile. */
  const running = new Map<
    string,
    { again: boolean; full: boolean; force: boolean; heard: boolean }
  >();
  let active = 0;
  const waiting: (() => void)[] = [];
  let stopped = false;
  /** What this node sent, per device: parts and their JSON bytes (the bench and tests read it). */
  const sent = new Map<string, { parts: number; bytes: number }>();

  async function residentsOf(siteId: string): Promise<Resident[]> {
    const [rows, access] = await Promise.all([repo().residentsOf(siteId), repo().accessOf(siteId)]);
    const rights = new Map<string, Resident['access']>();
    for (const a of access) {
      const list = rights.get(a.resident_id) ?? [];
      list.push({ serialNumber: a.serial_number, switch: a.switch });
      rights.set(a.resident_id, list);
    }
    return rows.map((row) => toResident(row, rights.get(row.id) ?? []));
  }

  function toResident(row: ResidentRow, access: Resident['access']): Resident {
    const { pins, cards } = deps.credentials.open(row.id, row.credentials_enc);
    return {
      id: row.id,
      siteId: row.site_id,
      apartmentId: row.apartment_id,
      apartmentName: row.apartment_name,
      name: row.name,
      email: row.email,
      pins,
      cards,
      validFrom: row.valid_from,
      validTo: row.valid_to,
      enabled: row.enabled === 1,
      callTarget: row.call_target,
      access,
    };
  }

  /**
   * What `serial` should hold, or null when the cloud sends it nothing: in Manual mode the
   * device keeps what it has, unless it holds another site's entries (then the wipe).
   */
  async function desiredFor(
    serial: string,
    siteId: string | null,
    residents?: Resident[],
  ): Promise<Desired | null> {
    // A device never provisioned holds no cloud entries: nothing to wipe.
    if (siteId === null)
      return (await repo().syncOf(serial)) ? { siteId: null, entries: [] } : null;
    if ((await modeOf(serial, siteId)) === 'manual') {
      const sync = await repo().syncOf(serial);
      const heldElsewhere =
        sync && sync.applied_site_id !== null && sync.applied_site_id !== siteId;
      return heldElsewhere ? { siteId: null, entries: [] } : null;
    }
    return { siteId, entries: desiredDirectory(residents ?? (await residentsOf(siteId)), serial) };
  }

  async function modeOf(serial: string, siteId: string): Promise<ConfigurationMode> {
    return (await repo().settingsOf(serial, siteId))?.configuration_mode ?? 'automatic';
  }

  /**
   * Raises the desired version when the digest changed, and records in the same transaction
   * which entries changed at it (the deltas' source); the sync row as it is now. The raise is
   * conditional on the version read, so of two nodes at once one raises and the other re-reads.
   */
  async function settle(serial: string, desired: Desired): Promise<DeviceSyncTable> {
    const digest = directoryDigest(desired.siteId, desired.entries);
    for (;;) {
      const row = await repo().syncOf(serial);
      if (row && row.desired_digest === digest && row.site_id === desired.siteId) return row;
      const raised = await store.transaction(async (trx) => {
        const r = provisioningRepo(trx);
        const at = iso(clock.now());
        const won = row
          ? await r.raiseDesired(serial, row.desired_version, {
              ...desired,
              digest,
              state: 'pending',
              at,
            })
          : await r.insertSync({
              serial_number: serial,
              site_id: desired.siteId,
              desired_version: 1,
              desired_digest: digest,
              applied_site_id: null,
              applied_version: 0,
              state: 'pending',
              since: at,
              reason: null,
            });
        if (won) {
          const version = (row?.desired_version ?? 0) + 1;
          await r.writeEntries(serial, version, entryChanges(await r.entriesOf(serial), desired));
        }
        return won;
      });
      if (raised) changed(serial);
    }
  }

  const changed = (serial: string) => events.emit('device-updated', { serialNumber: serial });

  /** Recomputes and, if the device does not hold it, sends the desired version (queued per device). */
  /**
   * `heard`: the device just spoke (its state message), so it is linked even if its presence
   * is not written yet; otherwise only a device the store shows online is sent anything (an
   * offline one converges from the state it sends when it connects).
   */
  function request(
    serial: string,
    options: { full?: boolean; force?: boolean; residents?: Resident[]; heard?: boolean } = {},
  ) {
    const current = running.get(serial);
    if (current) {
      current.again = true;
      current.full ||= options.full === true;
      current.heard ||= options.heard === true;
      current.force ||= options.force === true;
      return;
    }
    const state = { again: false, full: false, force: false, heard: false };
    running.set(serial, state);
    void (async () => {
      let full = options.full === true;
      let heard = options.heard === true;
      let force = options.force === true;
      let residents = options.residents;
      do {
        state.again = false;
        await slot(() => syncDevice(serial, { full, force, heard, residents })).catch(
          (error: unknown) => {
            if (!stopped) deps.log.error({ err: error, serial }, 'provisioning: push failed');
          },
        );
        full = state.full;
        heard = state.heard;
        force = state.force;
        state.force = false;
        state.full = false;
        state.heard = false;
        residents = undefined;
      } while (state.again && !stopped);
      running.delete(serial);
    })();
  }

  async function slot<T>(work: () => Promise<T>): Promise<T> {
    while (active >= CONCURRENT_DEVICES)
      await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await work();
    } finally {
      active--;
      waiting.shift()?.();
    }
  }

  async function syncDevice(
    serial: string,
    options: { full: boolean; force: boolean; heard: boolean; residents: Resident[] | undefined },
  ) {
    if (stopped) return;
    const device = await repo().deviceOf(serial);
    if (!device) return;
    const desired = await desiredFor(serial, device.site_id, options.residents);
    if (!desired) return;
    const row = await settle(serial, desired);
    const force = options.full || options.force;
    if (device.online !== 1 && !options.heard) return;
    const holds =
      row.applied_site_id === row.site_id && row.applied_version === row.desired_version;
    if (holds && !force) {
      if (row.state !== 'in-sync' && (await repo().recordApplied(serial, heldOf(row), now()))) {
        changed(serial);
      }
      return;
    }
    const base = options.full ? 0 : deltaBase(row);
    await push(serial, row.desired_version, desired, base);
  }

  /**
   * The version a delta can start from: what the device last applied of the same site, older
   * than the desired one; 0 (a full replacement) otherwise. The device refuses a wrong base
   * (base-mismatch) and then gets the full version at once.
   */
  const deltaBase = (row: DeviceSyncTable) =>
    row.applied_site_id !== null &&
    row.applied_site_id === row.site_id &&
    row.applied_version > 0 &&
    row.applied_version < row.desired_version
      ? row.applied_version
      : 0;

  /** A delta's upserts and deletes: the entries changed after `base`, as `desired` has them. */
  async function deltaOf(serial: string, desired: Desired, base: number) {
    const since = await repo().entriesSince(serial, base);
    const live = new Set(since.filter((e) => e.deleted === 0).map((e) => e.uuid));
    return {
      upserts: desired.entries.filter((e) => live.has(e.uuid)),
      deletes: since.filter((e) => e.deleted === 1).map((e) => e.uuid),
    };
  }

  const now = () => iso(clock.now());
  const heldOf = (row: DeviceSyncTable): DirectoryHeld => ({
    siteId: row.applied_site_id,
    version: row.applied_version,
  });

  /** Sends every part of `version` in order; the last reply says what the device holds. */
  async function push(serial: string, version: number, desired: Desired, base: number) {
    const changes = base > 0 ? await deltaOf(serial, desired, base) : null;
    const parts = planParts(
      changes?.upserts ?? desired.entries,
      changes?.deletes ?? [],
      MAX_MESSAGE_BYTES,
    );
    let reply: ReplyMessage | null = null;
    for (const [index, body] of parts.entries()) {
      const args: ProvisionArgs = {
        siteId: desired.siteId,
        version,
        base,
        part: index + 1,
        parts: parts.length,
        ...body,
      };
      try {
        const count = sent.get(serial) ?? { parts: 0, bytes: 0 };
        count.parts += 1;
        count.bytes += Buffer.byteLength(JSON.stringify(args));
        sent.set(serial, count);
        reply = await deps.commands.command(serial, 'provision', { ...args }, deps.partTimeoutMs);
      } catch (error) {
        // Offline or not answering: stays pending, tried again while the device is online.
        scheduleRetry(serial, (error as Error).message);
        return;
      }
      if (!reply.ok) break;
    }
    clearRetry(serial);
    if (base > 0 && reply?.error === 'base-mismatch') {
      // The device does not hold the version the delta builds on: the whole version, now.
      const held = parseDirectoryHeld(reply.result);
      if (held) await repo().recordApplied(serial, held, now());
      await push(serial, version, desired, 0);
      return;
    }
    await recordReply(serial, version, reply!);
  }

  async function recordReply(serial: string, version: number, reply: ReplyMessage) {
    const held = parseDirectoryHeld(reply.result);
    if (reply.ok && held) {
      await repo().recordApplied(serial, held, now());
      changed(serial);
      return;
    }
    if (reply.error === 'superseded') return;
    if (held) await repo().recordApplied(serial, held, now());
    if (await repo().setState(serial, version, 'failed', reply.error ?? 'refused', now())) {
      changed(serial);
    }
  }

  function scheduleRetry(serial: string, reason: string) {
    if (stopped) return;
    const previous = retries.get(serial);
    const delay = previous ? Math.min(previous.delay * 2, RETRY_MAX_MS) : RETRY_FIRST_MS;
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => {
      void (async () => {
        const device = await repo().deviceOf(serial);
        if (device?.online === 1) request(serial);
        else retries.delete(serial);
      })().catch((error: unknown) =>
        deps.log.error({ err: error, serial, reason }, 'provisioning: retry failed'),
      );
    }, delay);
    timer.unref();
    retries.set(serial, { timer, delay });
  }

  function clearRetry(serial: string) {
    const retry = retries.get(serial);
    if (retry) clearTimeout(retry.timer);
    retries.delete(serial);
  }

  /** Site recomputations read but not yet queued per device. */
  let computing = 0;

  async function siteChanged(siteId: string) {
    const serials = await repo().devicesOf(siteId);
    if (serials.length === 0) return;
    const residents = await residentsOf(siteId);
    for (const serial of serials) request(serial, { residents });
  }

  const onResidentsChanged = ({ siteId }: { siteId: string }) => {
    if (stopped || coalescing.has(siteId)) return;
    const timer = setTimeout(() => {
      coalescing.delete(siteId);
      // Counted until its devices are queued, so that idle() does not miss it in between.
      computing++;
      siteChanged(siteId)
        .catch((error: unknown) =>
          deps.log.error({ err: error, siteId }, 'provisioning: site recomputation failed'),
        )
        .finally(() => computing--);
    }, COALESCE_MS);
    coalescing.set(siteId, timer);
  };
  // A move or delete: the new site's directory replaces the old one in one write, or the wipe.
  const onOwnershipChanged = ({ serialNumber }: { serialNumber: string }) => {
    if (!stopped) request(serialNumber, { full: true });
  };
  async function reported(serial: string, held: DirectoryHeld | undefined) {
    const row = await repo().syncOf(serial);
    if (row && held) await repo().recordApplied(serial, held, now());
    const holds =
      row && held && held.siteId === row.site_id && held.version === row.desired_version;
    // From what it holds (a delta) when it can; a device that lost it gets the whole version.
    if (!holds) request(serial, { force: true, heard: true });
  }

  events.on('residents-changed', onResidentsChanged);
  events.on('ownership-changed', onOwnershipChanged);

  return {
    /**
     * A device's state message (on every connect): what it holds. If that is not the desired
     * version, it is sent now; a device that says nothing (older firmware) gets a full one.
     */
    async deviceReported(serial: string, held: DirectoryHeld | undefined): Promise<void> {
      // Never rejects: the link does not wait for it, so a failure is told here.
      try {
        await reported(serial, held);
      } catch (error) {
        deps.log.error({ err: error, serial }, 'provisioning: state of the device not handled');
      }
    },

    /** A setting changed (Configuration Mode): recomputed; automatic again → a full sync. */
    settingsChanged: (serial: string) => request(serial, { full: true }),

    /** "Sync now": a full replacement at once (the caller checked the device is online). */
    syncNow: (serial: string) => request(serial, { full: true }),

    /** Provision parts and bytes this node sent to `serial` since it started. */
    sentTo: (serial: string) => ({ ...(sent.get(serial) ?? { parts: 0, bytes: 0 }) }),

    /** Resolves when nothing is queued or running for these devices (tests, the bench). */
    async idle(): Promise<void> {
      while (running.size > 0 || coalescing.size > 0 || computing > 0) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },

    stop() {
      stopped = true;
      events.off('residents-changed', onResidentsChanged);
      events.off('ownership-changed', onOwnershipChanged);
      for (const timer of coalescing.values()) clearTimeout(timer);
      for (const retry of retries.values()) clearTimeout(retry.timer);
      coalescing.clear();
      retries.clear();
    },
  };
}

/** What changed between the entries last wanted and `desired`: upserts, and removals. */
function entryChanges(
  known: { uuid: string; digest: string; deleted: number }[],
  desired: Desired,
): { uuid: string; digest: string; deleted: boolean }[] {
  const before = new Map(known.map((k) => [k.uuid, k]));
  const changes: { uuid: string; digest: string; deleted: boolean }[] = [];
  const wanted = new Set<string>();
  for (const entry of desired.entries) {
    wanted.add(entry.uuid);
    const digest = entryDigest(entry);
    const old = before.get(entry.uuid);
    if (!old || old.deleted === 1 || old.digest !== digest) {
      changes.push({ uuid: entry.uuid, digest, deleted: false });
    }
  }
  for (const old of known) {
    if (old.deleted === 0 && !wanted.has(old.uuid)) {
      changes.push({ uuid: old.uuid, digest: '', deleted: true });
    }
  }
  return changes;
}

export type ProvisioningService = ReturnType<typeof createProvisioningService>;
