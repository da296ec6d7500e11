import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Device } from '../../src/device/device.ts';
import { DeviceStartError } from '../../src/device/identity.store.ts';
import { makeIdentity, tempDir, writeIdentity } from './helpers.ts';

test('a data folder belongs to one device; another identity is refused with what to do', async (t) => {
  const dir = await tempDir(t);
  const dataDir = join(dir, 'data');
  const first = await Device.open({
    identityFile: await writeIdentity(dir, makeIdentity()),
    dataDir,
  });
  first.close();
  const otherDir = await tempDir(t);
  const other = await writeIdentity(otherDir, makeIdentity());
  await assert.rejects(
    Device.open({ identityFile: other, dataDir }),
    (error: Error) =>
      error instanceof DeviceStartError &&
      /belongs to device .* Use a separate --data folder/.test(error.message),
  );
});

test('the code generation and firmware survive a restart and a factory reset; a damaged configuration is reported', async (t) => {
  const dir = await tempDir(t);
  const identityFile = await writeIdentity(dir, makeIdentity());
  const dataDir = join(dir, 'data');
  const device = await Device.open({ identityFile, dataDir });
  await device.securityCode.generateNew();
  await device.securityCode.generateNew();
  await device.maintenance.factoryReset({ network: true });
  device.close();
  const reopened = await Device.open({ identityFile, dataDir });
  assert.equal(reopened.securityCode.generation, 2);
  await assert.rejects(
    reopened.protectedStore.update((s) => ({ ...s, codeGeneration: 1 })),
    /never lowered/,
  );
  reopened.close();

  const xml = await readFile(join(dataDir, 'config.xml'), 'utf8');
  await writeFile(join(dataDir, 'config.xml'), xml.slice(0, 200));
  await assert.rejects(
    Device.open({ identityFile, dataDir }),
    (error: Error) =>
      error instanceof DeviceStartError &&
      /cannot be used: .*Restore a backup or delete the file/.test(error.message),
  );
});

test('Generate New announces the new generation before storing it, and shows it only once stored', async (t) => {
  const dir = await tempDir(t);
  const identityFile = await writeIdentity(dir, makeIdentity());
  const dataDir = join(dir, 'data');
  const device = await Device.open({ identityFile, dataDir });
  t.after(() => device.close());
  const seen: string[] = [];
  const stored = async () =>
    (
      JSON.parse(await readFile(join(dataDir, 'protected.json'), 'utf8')) as {
        codeGeneration: number;
      }
    ).codeGeneration;
  device.events.on('code-regenerating', ({ generation }) =>
    seen.push(`regenerating ${generation}, shown ${device.securityCode.generation}`),
  );
  device.events.on('code-regenerated', ({ generation }) => seen.push(`regenerated ${generation}`));
  const view = await device.securityCode.generateNew();
  assert.deepEqual(seen, ['regenerating 1, shown 0', 'regenerated 1']);
  assert.equal(view.generation, 1);
  assert.equal(await stored(), 1);
});
