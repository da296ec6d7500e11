import type { FastifyInstance } from 'fastify';
import { build } from './http/app.ts';
import { startEmbeddedTransport } from './link/embedded.transport.ts';
import { LinkBridge } from './link/link.bridge.ts';
import { loadMasterKey } from './secrets/master-key.ts';
import { deriveKey, SecretBox } from './secrets/secret-box.ts';
import { systemClock, type Clock } from './services/clock.ts';
import { CloudEventBus } from './services/events.ts';
import { defaultClaimLimits, type RateLimitPolicy } from './services/rate-limit.ts';
import { createServices, type Services } from './services/services.ts';
import { openStore, type Store } from './store/store.ts';

export interface CloudOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  port?: number;
  host?: string;
  logger?: boolean | object;
  /** Also accept device links over MQTT/TCP on this port (0 picks a free one). */
  mqttPort?: number | undefined;
  /** How long the cloud waits for a device to answer a command. */
  commandTimeoutMs?: number;
  clock?: Clock;
  claimLimits?: RateLimitPolicy;
  sessionTtlMs?: number;
}

export interface RunningCloud {
  url: string;
  app: FastifyInstance;
  store: Store;
  services: Services;
  events: CloudEventBus;
  link: LinkBridge;
  /** The MQTT/TCP port when --mqtt-port was given. */
  mqttPort: number | null;
  close(): Promise<void>;
}

/** Opens the store and the services of a cloud node (no network). */
export async function openCloud(
  options: Pick<CloudOptions, 'dataDir' | 'databaseUrl' | 'clock' | 'claimLimits' | 'sessionTtlMs'>,
) {
  const masterKey = loadMasterKey(options.dataDir);
  const store = await openStore({ dataDir: options.dataDir, databaseUrl: options.databaseUrl });
  const events = new CloudEventBus();
  const services = createServices({
    store,
    clock: options.clock ?? systemClock,
    events,
    deviceSecrets: new SecretBox(masterKey, 'device-secret'),
    csrfKey: deriveKey(masterKey, 'csrf'),
    sessionTtlMs: options.sessionTtlMs ?? 12 * 60 * 60_000,
    claimLimits: options.claimLimits ?? defaultClaimLimits,
  });
  return { store, events, services };
}

/** Starts a cloud node: store, services, HTTP. `close()` stops it and closes the database. */
export async function startCloud(options: CloudOptions): Promise<RunningCloud> {
  const { store, events, services } = await openCloud(options);
  const app = await build({ services, logger: options.logger ?? false });
  // This node holds every device link of the embedded broker: none is connected yet.
  await services.deviceLink.markAllOffline();
  let transport: Awaited<ReturnType<typeof startEmbeddedTransport>>;
  try {
    transport = await startEmbeddedTransport({
      httpServer: app.server,
      mqttPort: options.mqttPort,
      host: options.host,
      authenticate: (serial, password) => services.deviceLink.authenticate(serial, password),
      log: app.log,
    });
  } catch (error) {
    await app.close();
    await store.close();
    throw error;
  }
  const link = new LinkBridge(
    transport,
    services.deviceLink,
    events,
    app.log,
    options.commandTimeoutMs,
  );
  try {
    await app.listen({ port: options.port ?? 8080, host: options.host ?? '127.0.0.1' });
  } catch (error) {
    link.close();
    await transport.close();
    await app.close();
    await store.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `Port ${options.port} is already in use. Stop the other program or choose another port with --port.`,
      );
    }
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    app,
    store,
    services,
    events,
    link,
    mqttPort: transport.tcpPort,
    async close() {
      link.close();
      await transport.close();
      await app.close();
      await store.close();
    },
  };
}
