import { dirname, join, resolve } from 'node:path';
import { DeviceStartError } from '../device/identity.store.ts';
import { startDevice } from '../device/device.server.ts';
import { brokerUrlFor, DeviceLinkClient } from '../device/link/link.client.ts';
import { intOption, parseCommandArgs, UsageError, type Command } from './command.ts';

const usage = `Usage: latchkey device --identity FILE [--data DIR] [--port 8081] [--host 127.0.0.1]
                       [--https-port N] [--cloud URL] [--admin-password PW]
                       [--api-account NAME:PASSWORD]… [--log]

Runs one emulated intercom: the vendor HTTP API under /api/ and the web administration's
JSON API under /admin/api/, both on --port.

Options:
  --identity FILE            identity.json written by "latchkey mint" (required)
  --data DIR                 where the device keeps its configuration and protected state
                             (default: a "data" folder next to the identity file)
  --port N                   HTTP port (default 8081; 0 picks a free one)
  --host ADDR                address to listen on (default 127.0.0.1; 0.0.0.0 for all)
  --https-port N             also serve HTTPS with the device's self-signed certificate
                             (the factory HTTP API services accept HTTPS only)
  --cloud URL                the cloud's base URL for the device link (MQTT over WebSocket
                             at URL/mqtt), e.g. http://127.0.0.1:8080
  --admin-password PW        set the administrator password at first start, so no forced
                             change of the factory password "2n" is needed
  --api-account NAME:PW      create an HTTP API account with every privilege; every service
                             then accepts Basic and Digest over plain HTTP (repeatable)
  --log                      log requests (method and path only) to stdout as JSON`;

function parseApiAccount(value: string): { username: string; password: string } {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) {
    throw new UsageError(
      `--api-account must be NAME:PASSWORD (e.g. integrator:s3cret), got "${value.replace(/:.*/, ':…')}".`,
    );
  }
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}

export const deviceCommand: Command = {
  name: 'device',
  summary: 'Run one emulated intercom.',
  usage,
  async run(argv) {
    const values = parseCommandArgs(argv, {
      identity: { type: 'string' },
      data: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'https-port': { type: 'string' },
      log: { type: 'boolean' },
      cloud: { type: 'string' },
      'admin-password': { type: 'string' },
      'api-account': { type: 'string', multiple: true },
    });
    if (!values.identity) {
      throw new UsageError(
        '--identity FILE is required: the identity.json that "latchkey mint" wrote.',
      );
    }
    const identityFile = resolve(values.identity);
    const port = intOption(values.port, 'port', 8081, { min: 0, max: 65535 });
    const apiAccounts = (values['api-account'] ?? []).map(parseApiAccount);
    if (values.cloud !== undefined) {
      try {
        brokerUrlFor(values.cloud);
      } catch {
        throw new UsageError(
          `--cloud must be the cloud's base URL, e.g. http://127.0.0.1:8080 (or a broker URL mqtt://…, ws://…), got "${values.cloud}".`,
        );
      }
    }
    let running;
    try {
      running = await startDevice({
        identityFile,
        dataDir: resolve(values.data ?? join(dirname(identityFile), 'data')),
        port,
        host: values.host ?? '127.0.0.1',
        adminPassword: values['admin-password'],
        apiAccounts,
        httpsPort:
          values['https-port'] === undefined
            ? undefined
            : intOption(values['https-port'], 'https-port', 8443, { min: 0, max: 65535 }),
        logger: values.log ?? false,
      });
    } catch (error) {
      if (error instanceof DeviceStartError) {
        console.error(`latchkey device: ${error.message}`);
        return 1;
      }
      throw error;
    }
    const { device } = running;
    console.log(
      `Device ${device.identity.serialNumber} (${device.identity.model}) is running at ${running.url}`,
    );
    console.log(`  HTTP API:       ${running.url}/api/system/info`);
    if (running.httpsUrl) console.log(`  HTTPS:          ${running.httpsUrl}/api/system/info`);
    console.log(
      `  Administration: ${running.url}/admin/api/ (user admin${device.accounts.mustChangePassword ? ', factory password 2n — change it at first login' : ''})`,
    );
    for (const note of running.notes) console.log(`  Note: ${note}`);
    let link: DeviceLinkClient | null = null;
    if (values.cloud) {
      link = new DeviceLinkClient(device, {
        cloudUrl: values.cloud,
        log: (message) => console.error(`latchkey device: ${message}`),
      });
      link.start();
      console.log(`  Cloud link:     ${brokerUrlFor(values.cloud)} (reconnects on its own)`);
    }
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    await link?.stop();
    await running.close();
    return 0;
  },
};
