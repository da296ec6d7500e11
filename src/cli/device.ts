import { dirname, join, resolve } from 'node:path';
import { DeviceStartError } from '../device/identity.store.ts';
import { DEFAULT_HTTPS_PORT, startDevice, type RunningDevice } from '../device/device.server.ts';
import { brokerUrlFor, DeviceLinkClient } from '../device/link/link.client.ts';
import {
  intOption,
  parseApiAccount,
  parseCommandArgs,
  UsageError,
  type Command,
} from './command.ts';

const usage = `Usage: latchkey device --identity FILE [--data DIR] [--port 8081] [--host 127.0.0.1]
                       [--https-port 8443|off] [--cloud URL] [--admin-password PW]
                       [--api-account NAME:PASSWORD]… [--log]

Runs one emulated intercom: its web interfaces (new at /, classic at /classic/) and the vendor
HTTP API under /api/, over HTTP on --port and over HTTPS (the device's self-signed
certificate) on --https-port. As on a real unit, the factory HTTP API answers HTTPS only, with
Digest, once an HTTP API account exists. A front panel (new interface: Hardware → Front panel;
classic: Home; JSON at /admin/api/front-panel) does what a person at the door does: call
buttons, keypad codes, cards, the door contact and the tamper switch, each raising the events
of the manual.

Options:
  --identity FILE            identity.json written by "latchkey mint" (required)
  --data DIR                 where the device keeps its configuration and protected state
                             (default: a "data" folder next to the identity file)
  --port N                   HTTP port (default 8081; 0 picks a free one)
  --host ADDR                address to listen on (default 127.0.0.1; 0.0.0.0 for all)
  --https-port N|off         HTTPS port (default ${DEFAULT_HTTPS_PORT}, or a free one when it is taken
                             or --port is 0; 0 picks a free one; off serves no HTTPS)
  --cloud URL                the cloud's base URL for the device link (MQTT over WebSocket
                             at URL/mqtt), e.g. http://127.0.0.1:8080
  --admin-password PW        set the administrator password at first start, so no forced
                             change of the factory password "2n" is needed
  --api-account NAME:PW      create an HTTP API account with every privilege; every service
                             then accepts Basic and Digest over plain HTTP (repeatable)
  --log                      log requests (method and path only) to stdout as JSON`;

/** `--https-port`: a port, `off`, or (unset) the default: 8443, or a free one when --port is 0. */
function httpsPortOption(value: string | undefined, port: number): number | undefined {
  if (value === 'off') return undefined;
  const fallback = port === 0 ? 0 : DEFAULT_HTTPS_PORT;
  return intOption(value, 'https-port', fallback, { min: 0, max: 65535 });
}

/**
 * What the banner prints: only addresses that answer. The HTTP API is listed over HTTP only
 * when its System service allows HTTP (factory: HTTPS only, 2N HTTP API §3).
 */
export function bannerLines(running: RunningDevice): string[] {
  const { device, url, httpsUrl } = running;
  const system = device.config.current.httpApi.services.system;
  const login = device.accounts.mustChangePassword
    ? ' (user admin, factory password 2n; a new one is asked for at first login)'
    : ' (user admin)';
  const lines = [
    `Device ${device.identity.serialNumber} (${device.identity.model}) is running at ${url}`,
    `  Web interface:     ${url}/${login}`,
    `  Classic interface: ${url}/classic/`,
  ];
  if (httpsUrl)
    lines.push(`  HTTP API (HTTPS):  ${httpsUrl}/api/system/info (self-signed certificate)`);
  if (system.enabled && system.connection === 'http')
    lines.push(`  HTTP API (HTTP):   ${url}/api/system/info`);
  if (device.config.current.httpApi.accounts.length === 0)
    lines.push(
      '  The HTTP API needs an account: add one in Services → HTTP API, or start with --api-account NAME:PASSWORD.',
    );
  if (system.connection === 'https')
    lines.push(
      '  Plain HTTP for the HTTP API: allow it per service in Services → HTTP API, or start with --api-account NAME:PASSWORD (every service then accepts HTTP).',
    );
  if (!httpsUrl && system.connection === 'https')
    lines.push(
      '  HTTPS is off (--https-port off): the HTTP API answers error 7 until HTTP is allowed.',
    );
  return lines;
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
        httpsPort: httpsPortOption(values['https-port'], port),
        httpsPortIsDefault: values['https-port'] === undefined,
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
    // One write: a reader of the pipe (a test, a supervisor) gets the banner whole, not the
    // first lines of it.
    console.log(
      [...bannerLines(running), ...running.notes.map((note) => `  Note: ${note}`)].join('\n'),
    );
    let link: DeviceLinkClient | null = null;
    if (values.cloud) {
      link = new DeviceLinkClient(device, {
        cloudUrl: values.cloud,
        // Issue 19: remote configuration relays to this device's own HTTP port.
        webUrl: running.url,
        log: (message) => console.error(`latchkey device: ${message}`),
      });
      link.start();
      console.log(`  Cloud link:        ${brokerUrlFor(values.cloud)} (reconnects on its own)`);
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
