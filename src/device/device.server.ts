import type { FastifyInstance } from 'fastify';
import type { FailureLimit } from './failure-limiter.ts';
import type { Server as TlsServer } from 'node:tls';
import { DigestAuthority } from './api/auth.digest.ts';
import { buildDeviceApp } from './device.app.ts';
import { DeviceError } from './device.errors.ts';
import { Device } from './device.ts';
import { DeviceStartError } from './identity.store.ts';

export interface StartDeviceOptions {
  identityFile: string;
  dataDir: string;
  port?: number;
  host?: string;
  /**
   * Also serve HTTPS (the device's self-signed certificate) on this port; 0 picks a free one,
   * undefined serves none. `latchkey device` passes DEFAULT_HTTPS_PORT unless told otherwise.
   */
  httpsPort?: number;
  /**
   * When `httpsPort` is a default nobody asked for: if it is taken, serve HTTPS on a free port
   * (and say so in `notes`) rather than refusing to start.
   */
  httpsPortIsDefault?: boolean;
  /** Sets the administrator password at first start (no forced change then). */
  adminPassword?: string;
  /** HTTP API accounts with every privilege, Basic and Digest, plain HTTP allowed. */
  apiAccounts?: Array<{ username: string; password: string }>;
  /** HTTP API authentication failures allowed per client address (default 10 a minute, then 60 s refused). */
  apiGuessLimit?: FailureLimit;
  /** Bytes a request may carry before it is authenticated (default 64 KiB). */
  preAuthBodyLimit?: number;
  logger?: boolean;
}

/** The HTTPS port of `latchkey device` when none is given (a real intercom serves 443). */
export const DEFAULT_HTTPS_PORT = 8443;

export interface RunningDevice {
  url: string;
  /** Set when `httpsPort` was given. */
  httpsUrl: string | null;
  device: Device;
  app: FastifyInstance;
  /** Things the operator should know about the start (e.g. an option that was not applied). */
  notes: string[];
  close(): Promise<void>;
}

/** A port taken by another program; `code` is the system's, for callers that try another. */
class PortInUseError extends DeviceStartError {
  readonly code = 'EADDRINUSE';
}

async function listen(
  app: FastifyInstance,
  port: number,
  host: string,
  flag: string,
): Promise<number> {
  try {
    await app.listen({ port, host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new PortInUseError(
        `Port ${port} on ${host} is already in use. Stop what uses it or choose another port with ${flag}.`,
      );
    }
    if (code === 'EACCES') {
      throw new DeviceStartError(
        `Port ${port} needs administrator rights on this system; choose a port above 1023 with ${flag}.`,
      );
    }
    if (code === 'EADDRNOTAVAIL') {
      throw new DeviceStartError(
        `This machine has no address ${host}; choose another with --host.`,
      );
    }
    throw error;
  }
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : port;
}

/** Runs a start-up step, turning a refusal into a DeviceStartError naming the option. */
async function prefixed<T>(option: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof DeviceError) throw new DeviceStartError(`${option}: ${error.hint}`);
    throw error;
  }
}

/** Opens the device from its identity and data folder and serves it on `port` (and `httpsPort`). */
export async function startDevice(options: StartDeviceOptions): Promise<RunningDevice> {
  const device = await Device.open({
    identityFile: options.identityFile,
    dataDir: options.dataDir,
  });
  const apps: FastifyInstance[] = [];
  const notes: string[] = [];
  const closeAll = async () => {
    device.close();
    for (const app of apps) await app.close();
  };
  try {
    if (options.adminPassword !== undefined) {
      const outcome = await prefixed('--admin-password', () =>
        device.accounts.setInitialAdminPassword(options.adminPassword!),
      );
      if (outcome === 'kept') {
        notes.push(
          'The administrator password had already been changed on this device; --admin-password was not applied.',
        );
      }
    }
    if (options.apiGuessLimit) device.accounts.apiGuesses.limit = options.apiGuessLimit;
    for (const account of options.apiAccounts ?? []) {
      await prefixed('--api-account', () =>
        device.accounts.provisionIntegratorAccount(account.username, account.password),
      );
    }
    const digest = new DigestAuthority();
    const host = options.host ?? '127.0.0.1';
    const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
    const app = await buildDeviceApp(device, {
      logger: options.logger ?? false,
      digest,
      preAuthBodyLimit: options.preAuthBodyLimit,
    });
    apps.push(app);
    const port = await listen(app, options.port ?? 8081, host, '--port');
    let httpsUrl: string | null = null;
    if (options.httpsPort !== undefined) {
      const { keyPem, certPem } = device.config.current.certificate;
      const serveHttps = async (httpsPort: number) => {
        const app = await buildDeviceApp(device, {
          logger: options.logger ?? false,
          digest,
          preAuthBodyLimit: options.preAuthBodyLimit,
          https: { key: keyPem, cert: certPem },
        });
        apps.push(app);
        const flag = '--https-port (or turn HTTPS off with --https-port off)';
        return { app, port: await listen(app, httpsPort, host, flag) };
      };
      let served: { app: FastifyInstance; port: number };
      try {
        served = await serveHttps(options.httpsPort);
      } catch (error) {
        if (!(error instanceof PortInUseError) || !options.httpsPortIsDefault) throw error;
        // Another device (or program) has the default port: a second device still starts.
        served = await serveHttps(0);
        notes.push(
          `Port ${options.httpsPort} was in use, so HTTPS is served on ${served.port}; choose the port with --https-port.`,
        );
      }
      const { app: secure, port: securePort } = served;
      httpsUrl = `https://${urlHost}:${securePort}`;
      // A factory reset with "Network Settings and Certificates" (or a restore) brings a new
      // certificate: serve it from the next connection on.
      let servedPem = certPem;
      device.events.subscribe('config-changed', () => {
        const current = device.config.current.certificate;
        if (current.certPem === servedPem) return;
        servedPem = current.certPem;
        (secure.server as unknown as TlsServer).setSecureContext({
          key: current.keyPem,
          cert: current.certPem,
        });
      });
    }
    return {
      url: `http://${urlHost}:${port}`,
      httpsUrl,
      device,
      app,
      notes,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    if (error instanceof DeviceError) throw new DeviceStartError(error.hint);
    throw error;
  }
}
