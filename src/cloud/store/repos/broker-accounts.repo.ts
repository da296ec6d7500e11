import type { Executor } from '../schema.ts';

/** Device logins provisioned on external MQTT brokers (see docs/broker.md). */
export function brokerAccountsRepo(db: Executor) {
  return {
    /** Devices of the registry without a login on `broker` yet, oldest serials first. */
    pending: (broker: string, limit: number) =>
      db
        .selectFrom('devices')
        .leftJoin('broker_accounts', (join) =>
          join
            .onRef('broker_accounts.serial_number', '=', 'devices.serial_number')
            .on('broker_accounts.broker', '=', broker),
        )
        .select(['devices.serial_number', 'devices.secret_enc'])
        .where('broker_accounts.serial_number', 'is', null)
        .orderBy('devices.serial_number')
        .limit(limit)
        .execute(),
    /** Records logins as provisioned; two nodes recording the same one is harmless. */
    async markProvisioned(broker: string, serials: readonly string[], now: string) {
      if (serials.length === 0) return;
      await db
        .insertInto('broker_accounts')
        .values(serials.map((serial_number) => ({ broker, serial_number, provisioned_at: now })))
        .onConflict((conflict) => conflict.columns(['broker', 'serial_number']).doNothing())
        .execute();
    },
    /** Forget every login on `broker` (after its dynamic-security file was replaced). */
    forget: (broker: string) =>
      db.deleteFrom('broker_accounts').where('broker', '=', broker).execute(),
  };
}
