import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testDialects } from '../helpers/databases.ts';
import { claim, mintDevices, registerAccount } from '../helpers/factories.ts';
import { assertErrorBody, errorFields } from '../helpers/http.ts';
import { waitFor } from '../helpers/wait.ts';
import { startDoorSite } from '../link/door.helpers.ts';

/** The audit rows of remote actions on `serial`, oldest first. */
async function actionAudits(
  cloud: Awaited<ReturnType<typeof startDoorSite>>['cloud'],
  serial: string,
) {
  const rows = await cloud.store.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'device.action')
    .where('serial_number', '=', serial)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => ({
    outcome: row.outcome,
    errorCode: row.error_code,
    actor: row.actor_email,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
  }));
}

for (const dialect of testDialects) {
  describe(`remote actions on a device (${dialect.name})`, () => {
    it("open-door triggers the emulator's switch, answers its state, and is audited and logged", async (t) => {
      const { cloud, owner, site, serial, emulator } = await startDoorSite(t, dialect);
      const path = `/api/sites/${site.id}/devices/${serial}/actions`;
      const opened = await owner.client.post(path, { action: 'open-door', switch: 2 });
      assert.equal(opened.status, 200, opened.text);
      assert.deepEqual(opened.body, { action: 'open-door', answer: { switch: 2, active: true } });
      assert.equal(emulator.running.device.switches.status(2)[0]!.active, true);
      const log = await waitFor('the remote opening in the access log', async () => {
        const page = await owner.client.get(`/api/sites/${site.id}/access-log?credential=remote`);
        return page.body.items?.length === 1 ? page.body.items[0] : null;
      });
      assert.equal(log.switch, 2);
      assert.equal(log.granted, true);
      assert.deepEqual(await actionAudits(cloud, serial), [
        {
          outcome: 'success',
          errorCode: null,
          actor: owner.email,
          detail: { action: 'open-door', switch: 2 },
        },
      ]);
    });

    it('a disabled switch is refused by the device: 502 with its reason, nothing moves', async (t) => {
      const { cloud, owner, site, serial, emulator } = await startDoorSite(t, dialect);
      await emulator.running.device.switches.configure(2, { enabled: false });
      const refused = await owner.client.post(`/api/sites/${site.id}/devices/${serial}/actions`, {
        action: 'open-door',
        switch: 2,
      });
      assertErrorBody(refused, 502, 'DEVICE_REFUSED');
      assert.match(refused.body.error.cause, /Switch 2 is disabled/);
      assert.equal(emulator.running.device.switches.status(2)[0]!.active, false);
      const [audit] = await actionAudits(cloud, serial);
      assert.equal(audit!.outcome, 'refused');
      assert.equal(audit!.errorCode, 'DEVICE_REFUSED');
      assert.match(String(audit!.detail.reason), /Switch 2 is disabled/);
    });

    it('restart restarts the device; report-state answers what it is', async (t) => {
      const { owner, site, serial, emulator, device } = await startDoorSite(t, dialect);
      const path = `/api/sites/${site.id}/devices/${serial}/actions`;
      const state = await owner.client.post(path, { action: 'report-state' });
      assert.equal(state.status, 200, state.text);
      assert.equal(state.body.answer.model, device.model);
      assert.equal(state.body.answer.codeGeneration, 0);
      const restarted = new Promise((resolve) =>
        emulator.running.device.events.once('restarted', resolve),
      );
      const restart = await owner.client.post(path, { action: 'restart' });
      assert.equal(restart.status, 200, restart.text);
      assert.deepEqual(restart.body, { action: 'restart', answer: {} });
      assert.deepEqual(await restarted, {
        reason: 'cloud command',
        firmwareVersion: emulator.running.device.maintenance.firmwareVersion,
      });
    });

    it('an offline device: 409 DEVICE_OFFLINE, audited', async (t) => {
      const { cloud, owner, site, serial, emulator } = await startDoorSite(t, dialect);
      await emulator.link.stop();
      await waitFor('the device offline', async () => {
        const list = await owner.client.get(`/api/sites/${site.id}/devices`);
        return list.body.items[0].online === false;
      });
      const refused = await owner.client.post(`/api/sites/${site.id}/devices/${serial}/actions`, {
        action: 'open-door',
      });
      assertErrorBody(refused, 409, 'DEVICE_OFFLINE');
      const [audit] = await actionAudits(cloud, serial);
      assert.equal(audit!.errorCode, 'DEVICE_OFFLINE');
      assert.deepEqual(audit!.detail.action, 'open-door');
    });

    it('a device that does not answer: 504 whose cause says the seconds waited', async (t) => {
      const { cloud, owner, site } = await startDoorSite(t, dialect);
      // Online in the cloud's eyes, but nothing on the link answers for it.
      const [silent] = await mintDevices(cloud, 1);
      const added = await claim(owner.client, site.id, silent!.serialNumber, silent!.securityCode);
      assert.equal(added.status, 201, added.text);
      await cloud.store.db
        .updateTable('devices')
        .set({ online: 1 })
        .where('serial_number', '=', silent!.serialNumber)
        .execute();
      const late = await owner.client.post(
        `/api/sites/${site.id}/devices/${silent!.serialNumber}/actions`,
        { action: 'report-state' },
      );
      assertErrorBody(late, 504, 'DEVICE_DID_NOT_ANSWER');
      assert.match(late.body.error.cause, /did not answer in 5 s/);
      const [audit] = await actionAudits(cloud, silent!.serialNumber);
      assert.equal(audit!.errorCode, 'DEVICE_DID_NOT_ANSWER');
    });

    it('refuses bad input and devices of other sites, and changes nothing', async (t) => {
      const { cloud, owner, site, serial, emulator } = await startDoorSite(t, dialect);
      const path = `/api/sites/${site.id}/devices/${serial}/actions`;
      for (const [body, field] of [
        [{ action: 'explode' }, 'action'],
        [{ action: 'open-door', switch: 9 }, 'switch'],
        [{ action: 'open-door', switch: 'one' }, 'switch'],
        [{ action: 'restart', switch: 1 }, 'switch'],
        [{ action: 'open-door', extra: true }, ''],
      ] as const) {
        const refused = await owner.client.post(path, body);
        assertErrorBody(refused, 400, 'VALIDATION_FAILED');
        assert.ok(
          errorFields(refused).some((f) => f.includes(field)),
          refused.text,
        );
      }
      const [unowned] = await mintDevices(cloud, 1);
      assertErrorBody(
        await owner.client.post(`/api/sites/${site.id}/devices/${unowned!.serialNumber}/actions`, {
          action: 'open-door',
        }),
        404,
        'DEVICE_NOT_IN_SITE',
      );
      const stranger = await registerAccount(cloud, { name: 'Stan Stranger' });
      assertErrorBody(
        await stranger.client.post(path, { action: 'open-door' }),
        404,
        'SITE_NOT_FOUND',
      );
      assert.equal(emulator.running.device.switches.status(1)[0]!.active, false);
      assert.deepEqual(await actionAudits(cloud, serial), []);
    });
  });
}
