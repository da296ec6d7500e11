import type { FastifyInstance } from 'fastify';
import { buildDeviceApp } from './device.app.ts';
import { Device } from './device.ts';
import { DeviceStartError } from './identity.store.ts';

export interface StartDeviceOptions {
  identityFile: string;
  dataDir: string;
  port?: number;
  host?: string;
  /** Sets the administrator password at first start (no forced change then). */
  adminPassword?: string;
  /** HTTP API accounts with every privilege, Basic and Digest, plain HTTP allowed. */
  apiAccounts?: Array<{ username: string; password: string }>;
  logger?: boolean;
}

export interface RunningDevice {
  url: string;
  device: Device;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Opens the device from its identity and data folder and serves it on `port`. */
export async function startDevice(options: StartDeviceOptions): Promise<RunningDevice> {
  const device = await Device.open({
    identityFile: options.identityFile,
    dataDir: options.dataDir,
  });
  try {
    if (options.adminPassword !== undefined)
      await device.accounts.setInitialAdminPassword(options.adminPassword);
    for (const account of options.apiAccounts ?? []) {
      await device.accounts.provisionIntegratorAccount(account.username, account.password);
    }
  } catch (error) {
    device.close();
    if (error instanceof Error && 'hint' in error)
      throw new DeviceStartError(String((error as { hint: string }).hint));
    throw error;
  }
  const app = await buildDeviceApp(device, { logger: options.logger ?? false });
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8081;
  try {
    await app.listen({ port, host });
  } catch (error) {
    device.close();
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new DeviceStartError(
        `Port ${port} on ${host} is already in use. Stop what uses it or choose another port with --port.`,
      );
    }
    if (code === 'EACCES') {
      throw new DeviceStartError(
        `Port ${port} needs administrator rights on this system; choose a port above 1023 with --port.`,
      );
    }
    throw error;
  }
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${actualPort}`,
    device,
    app,
    async close() {
      device.close();
      await app.close();
    },
  };
}
