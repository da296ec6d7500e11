import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { build } from './http/app.ts';
import { provisionPendingDevices, startProvisioningLoop } from './link/broker.provisioning.ts';
import { brokerSettings, prepareBroker, startBrokerTransport } from './link/broker.transport.ts';
import { startEmbeddedTransport, type EmbeddedLimits } from './link/embedded.transport.ts';
import { LinkBridge } from './link/link.bridge.ts';
import { DeviceCommands } from './services/device-commands.ts';
import { ServiceLog } from './services/service-log.ts';
import type { LinkTransport } from './link/link.transport.ts';
import { tightenDataFolder } from './file-modes.ts';
import {
  createOutboxMailer,
  createSmtpMailer,
  DEFAULT_MAIL_FROM,
  MailQueue,
} from './mail/mailer.ts';
import { join } from 'node:path';
import { PortalLinks } from './services/portal-links.ts';
import type { RelayBounds } from './services/remote-relay.service.ts';
import { checkMasterKey } from './secrets/key-check.ts';
import { findMasterKey } from './secrets/master-key.ts';
import { deriveKey, SecretBox } from './secrets/secret-box.ts';
import { systemClock, type Clock } from './services/clock.ts';
import { CloudEventBus } from './services/events.ts';
import { defaultLoginLimits, type LoginLimits } from './services/login-throttle.service.ts';
import { DEFAULT_STREAMS_PER_PERSON } from './services/live-updates.service.ts';
import { defaultClaimLimits, type RateLimitPolicy } from './services/rate-limit.ts';
import { startBackupScheduler } from './services/backup-scheduler.ts';
import {
  startRolloutRunner,
  type RolloutRunner,
  type RolloutRunnerOptions,
} from './services/rollout-runner.ts';
import { createServices, type Services } from './services/services.ts';
import {
  startWebhookDispatcher,
  type WebhookDispatcher,
  type WebhookDispatcherOptions,
} from './services/webhook-dispatcher.ts';
import { openStore, type Store } from './store/store.ts';
import { fleetRepo } from './store/repos/fleet.repo.ts';
import { createCloudMetrics, type CloudMetrics } from './metrics/metrics.registry.ts';
import { startMetricsListener, type MetricsListener } from './metrics/metrics.listener.ts';

export interface CloudOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  port?: number;
  host?: string;
  logger?: boolean | object;
  /** Also accept device links over MQTT/TCP on this port (0 picks a free one). */
  mqttPort?: number | undefined;
  /** The embedded broker's bounds on connections before login (embedded.transport.ts). */
  mqttLimits?: EmbeddedLimits;
  /**
   * An external MQTT broker (mqtt://user:password@host:port) instead of the embedded one:
   * the node is one of several cloud nodes sharing the device traffic (docs/broker.md).
   */
  brokerUrl?: string | undefined;
  /** How often a node provisions devices minted since on the external broker. */
  brokerProvisionIntervalMs?: number;
  /** How long the cloud waits for a device to answer a command. */
  commandTimeoutMs?: number;
  clock?: Clock;
  claimLimits?: RateLimitPolicy;
  /** Brute-force limits of sign-in and registration; each one given replaces its default. */
  loginLimits?: Partial<LoginLimits>;
  sessionTtlMs?: number;
  /** Behind one reverse proxy: the client address comes from X-Forwarded-For (http/app.ts). */
  trustProxy?: boolean;
  /** Always mark the session cookie Secure, whatever the request came over (http/app.ts). */
  secureCookies?: boolean;
  /** Live-update streams one person may hold open at once (default 10). */
  eventStreamsPerPerson?: number;
  /** smtp://user:pass@host:port (or smtps://): send mail there; else to <data>/outbox. */
  smtpUrl?: string | undefined;
  /** The From of every mail (default "Latchkey <latchkey@localhost>"). */
  mailFrom?: string | undefined;
  /** The portal's address in mails; default the node's own URL (services/portal-links.ts). */
  publicUrl?: string | undefined;
  /** How often the node looks for due daily backups (issue 19; default 10 minutes). */
  backupTickMs?: number;
  /** Issue 19: the rollout runner's tick, silence bound and attempts (tests shorten them). */
  rollouts?: RolloutRunnerOptions;
  /** `--firmware-uploads`: company admins may add firmware images over HTTP (default off). */
  firmwareUploads?: boolean;
  /** Issue 19: the remote-configuration relay's bounds (remote-relay.service.ts); tests shorten them. */
  relayBounds?: Partial<RelayBounds>;
  /** Issue 20: GET /metrics on the main port needs `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string | undefined;
  /** Issue 20: HOST:PORT of a plain listener serving only /metrics, without a token. */
  metricsListen?: string | undefined;
  /** Issue 20: `--webhooks-allow-insecure` permits http:// and private addresses (tests). */
  webhooksAllowInsecure?: boolean;
  /** Issue 20: the webhook dispatcher's poll, retry schedule and bounds (tests shorten them). */
  webhooks?: Omit<WebhookDispatcherOptions, 'allowInsecure'>;
}

export interface RunningCloud {
  url: string;
  app: FastifyInstance;
  store: Store;
  services: Services;
  events: CloudEventBus;
  /** Outgoing mail; `mail.idle()` waits for the mails in flight. */
  mail: MailQueue;
  link: LinkBridge;
  transport: LinkTransport;
  /** The MQTT/TCP port when --mqtt-port was given. */
  mqttPort: number | null;
  /** Issue 19: runs the firmware rollouts; `idle()` waits for the work in flight. */
  rolloutRunner: RolloutRunner;
  /** Issue 20: the node's Prometheus registry and its instruments. */
  metrics: CloudMetrics;
  /** The --metrics-listen address as bound (HOST:PORT), or null without one. */
  metricsAddress: string | null;
  /** Issue 20: sends the queued webhook deliveries; `idle()` waits for those in flight. */
  webhookDispatcher: WebhookDispatcher;
  close(): Promise<void>;
}

/**
 * Opens the store and the services of a cloud node (no network). Refuses (MasterKeyMismatchError)
 * when the master key is not the one the database was started with.
 */
export async function openCloud(
  options: Pick<
    CloudOptions,
    | 'dataDir'
    | 'databaseUrl'
    | 'clock'
    | 'claimLimits'
    | 'loginLimits'
    | 'sessionTtlMs'
    | 'eventStreamsPerPerson'
    | 'smtpUrl'
    | 'mailFrom'
    | 'publicUrl'
    | 'firmwareUploads'
    | 'relayBounds'
    | 'webhooksAllowInsecure'
  >,
) {
  const clock = options.clock ?? systemClock;
  // Data folders from before issue 14 were 0755 with 0644 files.
  tightenDataFolder(options.dataDir);
  const source = findMasterKey(options.dataDir);
  const metrics = createCloudMetrics();
  const store = await openStore({
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
    observeStatements: (dialect) => metrics.db.observer(dialect),
  });
  let masterKey: Buffer;
  try {
    masterKey = await checkMasterKey(store, source, clock);
  } catch (error) {
    await store.close();
    throw error;
  }
  const events = new CloudEventBus();
  const from = options.mailFrom ?? DEFAULT_MAIL_FROM;
  const mail = new MailQueue(
    options.smtpUrl
      ? createSmtpMailer(options.smtpUrl, from)
      : createOutboxMailer(join(options.dataDir, 'outbox'), from),
  );
  const links = new PortalLinks(options.publicUrl);
  const commands = new DeviceCommands();
  const log = new ServiceLog();
  const webhookSecrets = new SecretBox(masterKey, 'webhook-secret');
  const services = createServices({
    commands,
    log,
    metrics: metrics.services,
    store,
    clock,
    events,
    deviceSecrets: new SecretBox(masterKey, 'device-secret'),
    twoFactorSecrets: new SecretBox(masterKey, 'two-factor-secret'),
    residentSecrets: new SecretBox(masterKey, 'resident-credentials'),
    backupKeys: new SecretBox(masterKey, 'site-backup-key'),
    webhookSecrets,
    webhooksAllowInsecure: options.webhooksAllowInsecure ?? false,
    credentialLookupKey: deriveKey(masterKey, 'resident-credential-lookup'),
    csrfKey: deriveKey(masterKey, 'csrf'),
    sessionTtlMs: options.sessionTtlMs ?? 12 * 60 * 60_000,
    claimLimits: options.claimLimits ?? defaultClaimLimits,
    loginLimits: { ...defaultLoginLimits, ...options.loginLimits },
    eventStreamsPerPerson: options.eventStreamsPerPerson ?? DEFAULT_STREAMS_PER_PERSON,
    mail,
    links,
    firmwareUploads: options.firmwareUploads ?? false,
    ...(options.relayBounds ? { relayBounds: options.relayBounds } : {}),
  });
  metrics.watch({
    fleet: () => fleetRepo(store.db).counts(),
    openStreams: () => services.liveUpdates.openStreams(),
    pool: () => store.poolUse(),
  });
  return { store, events, services, mail, links, commands, log, metrics, webhookSecrets };
}

/** Starts a cloud node: store, services, HTTP. `close()` stops it and closes the database. */
export async function startCloud(options: CloudOptions): Promise<RunningCloud> {
  const broker = options.brokerUrl === undefined ? null : brokerSettings(options.brokerUrl);
  const { store, events, services, mail, links, commands, log, metrics, webhookSecrets } =
    await openCloud(options);
  // Set once the link is up; /readyz reads it.
  let transport: (LinkTransport & { tcpPort?: number | null }) | null = null;
  const app = await build({
    services,
    logger: options.logger ?? false,
    trustProxy: options.trustProxy ?? false,
    secureCookies: options.secureCookies ?? false,
    metrics,
    metricsToken: options.metricsToken,
    readiness: async () => ({
      database: await store.ping(),
      broker: transport?.isReady() ?? false,
    }),
  });
  // What failed is logged, never the mail itself: it may carry a reset link.
  mail.onError = (error, to) =>
    app.log.warn({ err: { message: (error as Error).message }, to }, 'mail not sent');
  app.log.info(`mail: ${mail.mailer.description}`);
  log.attach(app.log);
  let provisioning: { stop(): Promise<void> } | null = null;
  try {
    if (broker) {
      // Other nodes hold device links through the same broker: presence comes only from the
      // devices' own messages and wills, never from a node starting.
      const nodeId = randomBytes(4).toString('hex');
      // One node at a time (PostgreSQL advisory lock): see prepareBroker.
      await store.transaction(async (trx) => {
        await store.dialect.lockKeys(trx, ['latchkey:broker-setup']);
        await prepareBroker(broker, nodeId);
      });
      const started = await startBrokerTransport({ broker, nodeId, log: app.log });
      transport = started;
      const provision = () =>
        provisionPendingDevices(services.deviceLink, started.dynsec, broker.key);
      const count = await provision();
      if (count > 0)
        app.log.info({ count }, 'device link: device logins provisioned on the broker');
      provisioning = startProvisioningLoop(
        provision,
        options.brokerProvisionIntervalMs ?? 5000,
        app.log,
      );
    } else {
      // This node holds every device link of the embedded broker: none is connected yet.
      await services.deviceLink.markAllOffline();
      transport = await startEmbeddedTransport({
        httpServer: app.server,
        mqttPort: options.mqttPort,
        host: options.host,
        ...options.mqttLimits,
        authenticate: (serial, password) => services.deviceLink.authenticate(serial, password),
        log: app.log,
      });
    }
  } catch (error) {
    await provisioning?.stop();
    await transport?.close();
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
    broker ? 1500 : null,
    metrics.link,
  );
  const linkTransport = transport;
  commands.attach(link);
  try {
    await app.listen({ port: options.port ?? 8080, host: options.host ?? '127.0.0.1' });
  } catch (error) {
    link.close();
    await provisioning?.stop();
    await linkTransport.close();
    await app.close();
    await store.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `Port ${options.port} is already in use. Stop the other program or choose another port with --port.`,
      );
    }
    throw error;
  }
  let metricsListener: MetricsListener | null = null;
  if (options.metricsListen !== undefined) {
    try {
      metricsListener = await startMetricsListener(metrics, options.metricsListen, (error) =>
        app.log.error({ err: error }, 'metrics scrape failed'),
      );
    } catch (error) {
      link.close();
      await provisioning?.stop();
      await linkTransport.close();
      await app.close();
      await store.close();
      throw error;
    }
    app.log.info({ address: metricsListener.address }, 'metrics: serving /metrics without a token');
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (options.publicUrl === undefined) links.base = url;
  const backups = startBackupScheduler(services.deviceBackups, log, options.backupTickMs);
  const rollouts = startRolloutRunner(
    {
      store,
      clock: options.clock ?? systemClock,
      events,
      commands,
      transfers: services.linkTransfers,
      links,
      log,
    },
    options.rollouts,
  );
  const webhooks = startWebhookDispatcher(
    {
      store,
      clock: options.clock ?? systemClock,
      events,
      secrets: webhookSecrets,
      log,
      disabled: (endpoint) => services.webhookDisabled(endpoint),
    },
    { ...options.webhooks, allowInsecure: options.webhooksAllowInsecure ?? false },
  );
  let closing: Promise<void> | null = null;
  const shutdown = async () => {
    // A daily pass in flight finishes (or fails on the closing link) before the store closes.
    const backupsStopped = backups.stop();
    const rolloutsStopped = rollouts.stop();
    await metricsListener?.close();
    // An attempt in flight settles its row before the store closes (or its lease expires).
    const webhooksStopped = webhooks.stop();
    if (broker) {
      // Graceful: stop accepting and finish the requests in flight first (Fastify close()),
      // while the link and the database still work for them; then the link, then the store.
      await app.close();
      commands.attach(null);
      link.close();
      services.autoProvisioning.stop();
      await provisioning?.stop();
      await linkTransport.close();
    } else {
      // The embedded broker's device sockets ride on the HTTP server, which waits for them:
      // end them first. Requests in flight still finish in app.close().
      commands.attach(null);
      link.close();
      services.autoProvisioning.stop();
      await linkTransport.close();
      await app.close();
    }
    // Directory pushes in flight end at once without the link; they may still write their
    // outcome, so the store closes after them.
    await services.autoProvisioning.idle();
    await backupsStopped;
    await rolloutsStopped;
    await webhooksStopped;
    // Offers ended by a change of hands just before are written before the store closes.
    services.transferEnds.stop();
    await services.transferEnds.idle();
    // Mails already queued still leave (their recipients are looked up in the store).
    await mail.close();
    await store.close();
  };
  return {
    url,
    mail,
    app,
    store,
    services,
    events,
    link,
    transport: linkTransport,
    mqttPort: linkTransport.tcpPort ?? null,
    rolloutRunner: rollouts,
    metrics,
    metricsAddress: metricsListener?.address ?? null,
    webhookDispatcher: webhooks,
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}
