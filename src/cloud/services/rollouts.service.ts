import { randomUUID } from 'node:crypto';
import { LatchkeyError } from '../../core/errors.ts';
import { compareVersions } from '../../core/firmware.format.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { IN_PROGRESS_STEPS, rolloutsRepo } from '../store/repos/rollouts.repo.ts';
import type { RolloutDevicesTable, RolloutStep, RolloutsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { auditRow } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';
import type { CloudEventBus } from './events.ts';

/** What a company may install: the image's catalogue entry (firmware.service.ts). */
export interface RolloutImage {
  id: string;
  model: string;
  version: string;
  sha256: string;
  bytes: number;
}

export interface StartRollout {
  firmwareId: string;
  serialNumbers?: string[] | undefined;
  siteId?: string | undefined;
  concurrency?: number | undefined;
  stopWhenFailedPercent?: number | undefined;
  allowDowngrade?: boolean | undefined;
}

/** Defaults a person expects: a handful at a time, and never stop on failures unless asked. */
export const DEFAULT_CONCURRENCY = 10;
export const DEFAULT_STOP_WHEN_FAILED_PERCENT = 100;

export interface RolloutsDeps {
  access: AccessService;
  store: Store;
  clock: Clock;
  events: CloudEventBus;
  /** The catalogue entry the company may use, or null. */
  imageFor(companyId: string, id: string): Promise<RolloutImage | null>;
}

const publicDevice = (row: RolloutDevicesTable) => ({
  serialNumber: row.serial_number,
  siteId: row.site_id,
  step: row.step,
  ...(row.percent === null ? {} : { percent: row.percent }),
  ...(row.error === null ? {} : { error: row.error }),
  fromVersion: row.from_version,
  attempts: row.attempts,
  updatedAt: row.updated_at,
});

function countsOf(devices: readonly RolloutDevicesTable[]) {
  const count = (steps: readonly RolloutStep[]) =>
    devices.filter((device) => steps.includes(device.step)).length;
  return {
    total: devices.length,
    pending: count(['pending']),
    inProgress: count(IN_PROGRESS_STEPS),
    done: count(['done']),
    failed: count(['failed']),
    skipped: count(['skipped']),
    cancelled: count(['cancelled']),
  };
}

/** A rollout as lists show it: its counts, not its devices. */
const rolloutSummary = (rollout: RolloutsTable, devices: readonly RolloutDevicesTable[]) => ({
  id: rollout.id,
  state: rollout.state,
  firmware: { id: rollout.firmware_id, model: rollout.model, version: rollout.version },
  concurrency: rollout.concurrency,
  stopWhenFailedPercent: rollout.stop_when_failed_percent,
  allowDowngrade: rollout.allow_downgrade === 1,
  createdAt: rollout.created_at,
  finishedAt: rollout.finished_at,
  reason: rollout.reason,
  counts: countsOf(devices),
});

const publicRollout = (rollout: RolloutsTable, devices: readonly RolloutDevicesTable[]) => ({
  ...rolloutSummary(rollout, devices),
  devices: devices.map(publicDevice),
});

export type PublicRollout = ReturnType<typeof publicRollout>;

/**
 * Firmware rollouts (issue 19): who may start one, for which devices, and what they see of it.
 * The runner (rollout-runner.ts) sends the updates and follows their progress.
 */
export function createRolloutsService(deps: RolloutsDeps) {
  const { store } = deps;
  const repo = () => rolloutsRepo(store.db);

  /** The devices, each on a site the person manages; 404 for any they cannot see. */
  async function targetsOf(actor: Actor, request: StartRollout) {
    if (request.siteId !== undefined) {
      const { site } = await deps.access.requireSite(actor, 'site:manage', request.siteId);
      return { companyId: site.company_id, devices: await repo().targets({ siteId: site.id }) };
    }
    const serials = [...new Set(request.serialNumbers ?? [])];
    const devices = await repo().targets({ serials });
    const found = new Set(devices.map((device) => device.serial_number));
    const missing = serials.filter((serial) => !found.has(serial));
    if (missing.length > 0 || devices.length === 0) {
      throw new LatchkeyError('ROLLOUT_DEVICE_NOT_FOUND', {
        cause: `No device ${missing.join(', ') || serials.join(', ')} is in a site you manage.`,
      });
    }
    const companies = new Set(devices.map((device) => device.company_id));
    for (const siteId of new Set(devices.map((device) => device.site_id))) {
      try {
        await deps.access.requireSite(actor, 'site:manage', siteId);
      } catch (error) {
        // A site the person cannot see: its devices are as unknown as a stranger's.
        if (error instanceof LatchkeyError && error.status === 404) {
          throw new LatchkeyError('ROLLOUT_DEVICE_NOT_FOUND', {
            cause: `Some of the devices are not in a site you manage.`,
          });
        }
        throw error;
      }
    }
    if (companies.size > 1) {
      throw new LatchkeyError('ROLLOUT_DEVICE_NOT_FOUND', {
        cause: 'The devices of one rollout must belong to one company.',
      });
    }
    return { companyId: devices[0]!.company_id, devices };
  }

  return {
    async start(actor: Actor, request: StartRollout): Promise<{ id: string }> {
      const { companyId, devices } = await targetsOf(actor, request);
      const image = await deps.imageFor(companyId, request.firmwareId);
      if (!image) throw new LatchkeyError('FIRMWARE_NOT_FOUND');
      const takers = devices.filter(
        (device) => device.model === image.model && device.firmware !== image.version,
      );
      if (takers.length === 0) {
        throw new LatchkeyError('ROLLOUT_NO_DEVICES', {
          cause: `The image is ${image.model} ${image.version}; none of the ${devices.length} chosen devices is a ${image.model} running another version.`,
        });
      }
      const downgrades = takers.filter(
        (device) => device.firmware !== null && compareVersions(image.version, device.firmware) < 0,
      );
      if (downgrades.length > 0 && request.allowDowngrade !== true) {
        throw new LatchkeyError('ROLLOUT_DOWNGRADE_UNCONFIRMED', {
          cause: `${downgrades.map((d) => `${d.serial_number} runs ${d.firmware}`).join(', ')}; the image is ${image.version}.`,
        });
      }
      const now = iso(deps.clock.now());
      const id = randomUUID();
      const rows: RolloutDevicesTable[] = devices.map((device) => {
        const takes = takers.includes(device);
        return {
          rollout_id: id,
          serial_number: device.serial_number,
          site_id: device.site_id,
          step: takes ? 'pending' : 'skipped',
          percent: null,
          error: takes
            ? null
            : device.model !== image.model
              ? `This image is for a ${image.model}; the device is a ${device.model}.`
              : `The device runs ${image.version} already.`,
          attempts: 0,
          from_version: device.firmware,
          updated_at: now,
        };
      });
      await store.transaction(async (trx) => {
        await rolloutsRepo(trx).insert(
          {
            id,
            company_id: companyId,
            firmware_id: image.id,
            model: image.model,
            version: image.version,
            sha256: image.sha256,
            bytes: image.bytes,
            state: 'running',
            concurrency: request.concurrency ?? DEFAULT_CONCURRENCY,
            stop_when_failed_percent:
              request.stopWhenFailedPercent ?? DEFAULT_STOP_WHEN_FAILED_PERCENT,
            allow_downgrade: request.allowDowngrade === true ? 1 : 0,
            created_by: actor.userId,
            created_at: now,
            finished_at: null,
            reason: null,
          },
          rows,
        );
        const sites = new Set(rows.map((row) => row.site_id));
        await auditRepo(trx).insertMany(
          [...sites].map((siteId) =>
            auditRow(
              {
                companyId,
                siteId,
                actor,
                action: 'firmware.rollout-started',
                outcome: 'success',
                detail: {
                  rolloutId: id,
                  version: image.version,
                  devices: rows.filter((row) => row.site_id === siteId).length,
                },
              },
              now,
            ),
          ),
        );
      });
      deps.events.emit('rollout-changed', { rolloutId: id });
      return { id };
    },

    async get(actor: Actor, id: string): Promise<PublicRollout> {
      const rollout = await repo().find(id);
      if (!rollout) throw new LatchkeyError('ROLLOUT_NOT_FOUND');
      await deps.access.requireCompany(actor, 'company:read').then(
        (company) => {
          if (company.companyId !== rollout.company_id)
            throw new LatchkeyError('ROLLOUT_NOT_FOUND');
        },
        () => {
          throw new LatchkeyError('ROLLOUT_NOT_FOUND');
        },
      );
      const devices = await visibleTo(actor, await repo().devicesOf(id));
      // A rollout of sites the person cannot see is as unknown as another company's.
      if (devices.length === 0) throw new LatchkeyError('ROLLOUT_NOT_FOUND');
      return publicRollout(rollout, devices);
    },

    async list(actor: Actor) {
      const { companyId } = await deps.access.requireCompany(actor, 'company:read');
      const rollouts = await repo().listOf(companyId, 100);
      const items = [];
      for (const rollout of rollouts) {
        const devices = await visibleTo(actor, await repo().devicesOf(rollout.id));
        if (devices.length === 0) continue;
        items.push(rolloutSummary(rollout, devices));
      }
      return { items, nextCursor: null };
    },

    async cancel(actor: Actor, id: string): Promise<PublicRollout> {
      const rollout = await repo().find(id);
      if (!rollout) throw new LatchkeyError('ROLLOUT_NOT_FOUND');
      const devices = await repo().devicesOf(id);
      // Cancelling needs the right to manage every site the rollout touches.
      for (const siteId of new Set(devices.map((device) => device.site_id))) {
        try {
          await deps.access.requireSite(actor, 'site:manage', siteId);
        } catch (error) {
          if (error instanceof LatchkeyError && error.status === 404) {
            throw new LatchkeyError('ROLLOUT_NOT_FOUND');
          }
          throw error;
        }
      }
      const now = iso(deps.clock.now());
      const ended = await store.transaction(async (trx) => {
        if (!(await rolloutsRepo(trx).finish(id, 'cancelled', now, 'cancelled by a person'))) {
          return false;
        }
        // Devices already updating finish what they started; the rest are not sent it.
        await rolloutsRepo(trx).stepAll(id, ['pending'], 'cancelled', now);
        await auditRepo(trx).insertMany(
          [...new Set(devices.map((device) => device.site_id))].map((siteId) =>
            auditRow(
              {
                companyId: rollout.company_id,
                siteId,
                actor,
                action: 'firmware.rollout-cancelled',
                outcome: 'success',
                detail: { rolloutId: id, version: rollout.version },
              },
              now,
            ),
          ),
        );
        return true;
      });
      if (!ended) throw new LatchkeyError('ROLLOUT_FINISHED');
      deps.events.emit('rollout-changed', { rolloutId: id });
      return this.get(actor, id);
    },
  };

  /** Only the devices of sites the person sees (a member granted one site of several). */
  async function visibleTo(actor: Actor, devices: readonly RolloutDevicesTable[]) {
    const seen = new Map<string, boolean>();
    for (const siteId of new Set(devices.map((device) => device.site_id))) {
      seen.set(
        siteId,
        await deps.access.requireSite(actor, 'site:read', siteId).then(
          () => true,
          () => false,
        ),
      );
    }
    return devices.filter((device) => seen.get(device.site_id));
  }
}

export type RolloutsService = ReturnType<typeof createRolloutsService>;
