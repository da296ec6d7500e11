import type {
  Executor,
  RolloutDevicesTable,
  RolloutsTable,
  RolloutState,
  RolloutStep,
} from '../schema.ts';

/** Steps a device is in while its update runs (it counts toward the rollout's concurrency). */
export const IN_PROGRESS_STEPS: readonly RolloutStep[] = [
  'sent',
  'downloading',
  'verifying',
  'installing',
];
/** Steps after which nothing more happens to the device in this rollout. */
export const FINAL_STEPS: readonly RolloutStep[] = ['done', 'failed', 'cancelled', 'skipped'];

/** Issue 19: firmware rollouts and the step each of their devices reached. */
export function rolloutsRepo(db: Executor) {
  return {
    insert: async (rollout: RolloutsTable, devices: RolloutDevicesTable[]) => {
      await db.insertInto('rollouts').values(rollout).execute();
      // In slices: a statement's parameters are bounded (SQLite 32,766; PostgreSQL 65,535).
      for (let i = 0; i < devices.length; i += 500) {
        await db
          .insertInto('rollout_devices')
          .values(devices.slice(i, i + 500))
          .execute();
      }
    },
    /**
     * The devices a rollout may be started for, with their site, company, model and firmware:
     * the given serials, or every device of the site.
     */
    targets: (query: { serials: readonly string[] } | { siteId: string }) => {
      let select = db
        .selectFrom('ownerships')
        .innerJoin('devices', 'devices.serial_number', 'ownerships.serial_number')
        .innerJoin('sites', 'sites.id', 'ownerships.site_id')
        .select([
          'devices.serial_number',
          'devices.model',
          'devices.firmware',
          'ownerships.site_id',
          'sites.company_id',
        ]);
      select =
        'siteId' in query
          ? select.where('ownerships.site_id', '=', query.siteId)
          : select.where('devices.serial_number', 'in', [...query.serials]);
      return select.orderBy('devices.serial_number').execute();
    },
    find: (id: string) =>
      db.selectFrom('rollouts').selectAll().where('id', '=', id).executeTakeFirst(),
    listOf: (companyId: string, limit: number) =>
      db
        .selectFrom('rollouts')
        .selectAll()
        .where('company_id', '=', companyId)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(limit)
        .execute(),
    running: () => db.selectFrom('rollouts').selectAll().where('state', '=', 'running').execute(),
    devicesOf: (rolloutId: string) =>
      db
        .selectFrom('rollout_devices')
        .selectAll()
        .where('rollout_id', '=', rolloutId)
        .orderBy('serial_number')
        .execute(),
    /** How many devices of the rollout are at each step. */
    stepCounts: async (rolloutId: string): Promise<Map<RolloutStep, number>> => {
      const rows = await db
        .selectFrom('rollout_devices')
        .select(['step', (eb) => eb.fn.countAll().as('n')])
        .where('rollout_id', '=', rolloutId)
        .groupBy('step')
        .execute();
      return new Map(rows.map((row) => [row.step, Number(row.n)]));
    },
    /** Pending devices that are online now, in serial order. */
    pendingOnline: (rolloutId: string, limit: number) =>
      db
        .selectFrom('rollout_devices')
        .innerJoin('devices', 'devices.serial_number', 'rollout_devices.serial_number')
        .select(['rollout_devices.serial_number', 'rollout_devices.attempts'])
        .where('rollout_devices.rollout_id', '=', rolloutId)
        .where('rollout_devices.step', '=', 'pending')
        .where('devices.online', '=', 1)
        .orderBy('rollout_devices.serial_number')
        .limit(limit)
        .execute(),
    /**
     * Moves the device from one of `from` to `to`; true for the one caller that did (several
     * nodes tick at once: each device is claimed, and so sent, once).
     */
    step: async (
      rolloutId: string,
      serial: string,
      from: readonly RolloutStep[],
      to: Pick<RolloutDevicesTable, 'step' | 'updated_at'> &
        Partial<Pick<RolloutDevicesTable, 'percent' | 'error' | 'attempts'>>,
    ) => {
      const result = await db
        .updateTable('rollout_devices')
        .set(to)
        .where('rollout_id', '=', rolloutId)
        .where('serial_number', '=', serial)
        .where('step', 'in', [...from])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** Every device still at one of `from` goes to `to` (a cancel, a stop). */
    stepAll: (rolloutId: string, from: readonly RolloutStep[], to: RolloutStep, now: string) =>
      db
        .updateTable('rollout_devices')
        .set({ step: to, updated_at: now })
        .where('rollout_id', '=', rolloutId)
        .where('step', 'in', [...from])
        .execute(),
    /** Devices in progress whose last report is older than `before`. */
    silentSince: (rolloutId: string, before: string) =>
      db
        .selectFrom('rollout_devices')
        .select('serial_number')
        .where('rollout_id', '=', rolloutId)
        .where('step', 'in', [...IN_PROGRESS_STEPS])
        .where('updated_at', '<', before)
        .execute(),
    /** Devices in progress that report the target version already (the install took). */
    installed: (rolloutId: string, version: string) =>
      db
        .selectFrom('rollout_devices')
        .innerJoin('devices', 'devices.serial_number', 'rollout_devices.serial_number')
        .select('rollout_devices.serial_number')
        .where('rollout_devices.rollout_id', '=', rolloutId)
        .where('rollout_devices.step', 'in', [...IN_PROGRESS_STEPS])
        .where('devices.firmware', '=', version)
        .execute(),
    /** Ends the rollout once; false when another node (or a cancel) ended it first. */
    finish: async (id: string, state: RolloutState, now: string, reason: string | null) => {
      const result = await db
        .updateTable('rollouts')
        .set({ state, finished_at: now, reason })
        .where('id', '=', id)
        .where('state', '=', 'running')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type RolloutsRepo = ReturnType<typeof rolloutsRepo>;
