// Child process for crash-safety.test.ts: opens the device's stores and writes the
// configuration (and the code generation) as fast as it can, reporting each durable write on
// stdout, until the test SIGKILLs it.
import { randomUUID } from 'node:crypto';
import { Device } from '../../src/device/device.ts';

const [identityFile, dataDir] = process.argv.slice(2);
const device = await Device.open({ identityFile: identityFile!, dataDir: dataDir! });
let counter = Number(/^crash-(\d+)$/.exec(device.config.current.webServer.deviceName)?.[1] ?? 0);
process.stdout.write(`ready ${counter} ${device.securityCode.generation}\n`);
for (;;) {
  counter += 1;
  const n = counter;
  await device.config.update('crash test', (draft) => {
    draft.webServer.deviceName = `crash-${n}`;
    // Vary the file size a lot, so a torn write could not pass for a valid file.
    const users = n % 40;
    draft.directory.users = Array.from({ length: users }, (_, i) => ({
      uuid: randomUUID().toUpperCase(),
      timestamp: n,
      name: `Resident ${i} ${'x'.repeat(n % 50)}`,
      email: `r${i}@example.com`,
      treepath: '/',
      virtNumber: '',
      callPos: [],
      access: { pin: String(1000 + i), card: [], code: [] },
    }));
    draft.directory.timestamp = n;
  });
  process.stdout.write(`c ${n}\n`);
  if (n % 5 === 0) {
    const view = await device.securityCode.generateNew();
    process.stdout.write(`g ${view.generation}\n`);
  }
}
