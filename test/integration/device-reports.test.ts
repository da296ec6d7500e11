import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { auditRow } from '../../src/cloud/services/audit.service.ts';
import { auditRepo } from '../../src/cloud/store/repos/audit.repo.ts';
import { claim, createSite, mintDevices, registerAccount } from '../helpers/factories.ts';
import { waitFor } from '../helpers/wait.ts';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SecretBox } from '../../src/cloud/secrets/secret-box.ts';
import { systemClock } from '../../src/cloud/services/clock.ts';
import { createDeviceLinkService } from '../../src/cloud/services/device-link.service.ts';
import { CloudEventBus } from '../../src/cloud/services/events.ts';
import type { AuditAction } from '../../src/core/audit-actions.ts';

for (const dialect of testDialects) {
  describe(`device reports many at once (${dialect.name})`, () => {
    it('raises every generation reported together and tells each owner once per device', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud, { name: 'Anna' });
      const site = await createSite(anna.client, 'Tower A');
      const devices = await mintDevices(cloud, 40);
      const owned = devices.slice(0, 10);
      for (const device of owned) {
        const added = await claim(anna.client, site.id, device.serialNumber, device.securityCode);
        assert.equal(added.status, 201, added.text);
      }
      const link = cloud.services.deviceLink;

      // All in the same turn, as after a mass Generate New; some devices also send a state with
      // an older generation, and one reports the same event twice.
      await Promise.all([
        ...devices.map((d) =>
          link.event(d.serialNumber, { type: 'code-regenerated', generation: 2 }),
        ),
        ...devices.slice(0, 5).map((d) =>
          link.state(d.serialNumber, {
            model: '2N IP Verso',
            firmware: '2.40.0.45',
            codeGeneration: 1,
            uptime: 5,
          }),
        ),
        link.event(devices[0]!.serialNumber, { type: 'code-regenerated', generation: 2 }),
      ]);

      const rows = await cloud.store.db
        .selectFrom('devices')
        .select(['serial_number', 'known_generation'])
        .execute();
      assert.equal(rows.length, 40);
      assert.ok(rows.every((row) => row.known_generation === 2));
      const audits = await cloud.store.db
        .selectFrom('audit_events')
        .select(['serial_number', 'site_id'])
        .where('action', '=', 'device.code-regenerated')
        .execute();
      assert.deepEqual(
        audits.map((a) => a.serial_number).sort(),
        owned.map((d) => d.serialNumber).sort(),
      );
      assert.ok(audits.every((a) => a.site_id === site.id));
      const notices = await anna.client.get('/api/notifications?limit=100');
      const regenerated = notices.body.items.filter(
        (n: { kind: string }) => n.kind === 'code-regenerated',
      );
      assert.equal(regenerated.length, owned.length);

      // The old code of an unowned device is refused as replaced from now on.
      const bob = await registerAccount(cloud, { name: 'Bob' });
      const bobSite = await createSite(bob.client, 'Bob house');
      const old = await claim(
        bob.client,
        bobSite.id,
        devices[20]!.serialNumber,
        devices[20]!.securityCode,
      );
      assert.equal(old.status, 422);
      assert.equal(old.body.error.code, 'SECURITY_CODE_REPLACED');
    });

    it('tells the owner once when two nodes raise the same generation at once', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud, { name: 'Anna' });
      const site = await createSite(anna.client, 'Tower C');
      const [device] = await mintDevices(cloud, 1);
      const serial = device!.serialNumber;
      assert.equal((await claim(anna.client, site.id, serial, device!.securityCode)).status, 201);
      // A second cloud node on the same database: its batches are its own transactions.
      const otherNode = createDeviceLinkService({
        store: cloud.store,
        clock: systemClock,
        events: new CloudEventBus(),
        deviceSecrets: new SecretBox(randomBytes(32), 'device-secret'),
      });
      const raiseOnBoth = () =>
        Promise.all([
          cloud.services.deviceLink.event(serial, { type: 'code-regenerated', generation: 2 }),
          otherNode.event(serial, { type: 'code-regenerated', generation: 2 }),
          otherNode.state(serial, {
            model: '2N IP Verso',
            firmware: '2.40.0.45',
            codeGeneration: 2,
            uptime: 5,
          }),
        ]);

      if (cloud.database.databaseUrl) {
        // PostgreSQL: hold the device's row until both nodes' updates wait for it, so they
        // run on at the same moment (no timing involved).
        const holder = new pg.Client({ connectionString: cloud.database.databaseUrl });
        await holder.connect();
        await holder.query('begin');
        await holder.query('select 1 from devices where serial_number = $1 for update', [serial]);
        const raised = raiseOnBoth();
        try {
          // pg_locks, not pg_stat_activity: the latter is a snapshot kept for the transaction.
          await waitFor('both nodes waiting for the device row', async () => {
            const { rows } = await holder.query(
              'select count(distinct pid)::int as n from pg_locks where not granted',
            );
            return rows[0].n >= 2 ? true : undefined;
          });
        } finally {
          await holder.query('commit');
          await holder.end();
        }
        await raised;
      } else {
        // SQLite runs one write transaction after the other anyway.
        await raiseOnBoth();
      }

      const audits = await cloud.store.db
        .selectFrom('audit_events')
        .select('serial_number')
        .where('action', '=', 'device.code-regenerated')
        .execute();
      assert.deepEqual(audits, [{ serial_number: serial }]);
      const notices = await anna.client.get('/api/notifications?limit=100');
      const regenerated = notices.body.items.filter(
        (n: { kind: string }) => n.kind === 'code-regenerated',
      );
      assert.equal(regenerated.length, 1);
      const row = await cloud.store.db
        .selectFrom('devices')
        .select('known_generation')
        .executeTakeFirstOrThrow();
      assert.equal(row.known_generation, 2);
    });

    it('inserts more rows than one statement takes, in slices, all or none', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud, { name: 'Anna' });
      const site = await createSite(anna.client, 'Tower B');
      const company = await cloud.store.db
        .selectFrom('sites')
        .select('company_id')
        .where('id', '=', site.id)
        .executeTakeFirstOrThrow();
      const now = new Date().toISOString();
      const rows = Array.from({ length: 250 }, (_, i) =>
        auditRow(
          {
            companyId: company.company_id,
            siteId: site.id,
            actor: null,
            // Not an action the cloud writes: the test finds and removes its own rows by it.
            action: 'test.bulk' as AuditAction,
            outcome: 'success',
            detail: { i },
          },
          now,
        ),
      );
      await cloud.store.transaction((trx) => auditRepo(trx).insertMany(rows));
      const count = async () =>
        Number(
          (
            await cloud.store.db
              .selectFrom('audit_events')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('action', '=', 'test.bulk')
              .executeTakeFirstOrThrow()
          ).n,
        );
      assert.equal(await count(), 250);
      // A duplicate id in the last slice rolls the earlier slices back with it.
      const again = rows.map((row, i) => ({ ...row, id: i === 249 ? rows[0]!.id : `${row.id}-2` }));
      await assert.rejects(cloud.store.transaction((trx) => auditRepo(trx).insertMany(again)));
      assert.equal(await count(), 250);
    });
  });
}
