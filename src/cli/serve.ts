import { resolve } from 'node:path';
import { startCloud } from '../cloud/cloud.ts';
import {
  DEFAULT_LOGIN_TIMEOUT_MS,
  DEFAULT_MAX_PENDING_LOGINS,
} from '../cloud/link/embedded.transport.ts';
import { DEFAULT_PACKET_LIMIT_BYTES, MIN_PACKET_LIMIT_BYTES } from '../core/link.framing.ts';
import { defaultLoginLimits, type LoginLimits } from '../cloud/services/login-throttle.service.ts';
import { DEFAULT_STREAMS_PER_PERSON } from '../cloud/services/live-updates.service.ts';
import { smtpUrlProblem } from '../cloud/mail/mailer.ts';
import { parseListenAddress } from '../cloud/metrics/metrics.listener.ts';
import { publicUrlProblem } from '../cloud/services/portal-links.ts';
import { intOption, parseCommandArgs, UsageError, type Command } from './command.ts';

const usage = `Usage: latchkey serve [options]

Runs the Latchkey cloud: the REST API (and its OpenAPI document at /openapi.json) and the
device link, an embedded MQTT 3.1.1 broker at ws://HOST:PORT/mqtt on the same port, or a
client of an external broker with --broker (several nodes on one PostgreSQL and one broker).
GET /healthz answers while the process lives, GET /readyz when database and broker answer.

Options:
  --data DIR         Data folder: SQLite database and master key (default ./data);
                     made owner-only at start (folder 0700, its files 0600)
  --port N           HTTP port (default 8080, or $PORT)
  --host ADDR        Address to listen on (default 0.0.0.0)
  --database URL     postgres://… to use PostgreSQL instead of SQLite in the data folder
  --mqtt-port N      Also accept device links over MQTT/TCP on this port
  --mqtt-max-packet-bytes N
                     Largest MQTT packet a device may send; a connection declaring a larger
                     one is closed before it is read (default 65536, at least 17408)
  --mqtt-login-timeout S
                     Seconds a connection may take to log in before it is closed (default 10)
  --mqtt-max-pending N
                     Connections allowed at once that have not logged in yet; more are
                     refused (default 1000). These three are for the embedded broker; set
                     Mosquitto's own (max_packet_size, …) when using --broker
  --broker URL       mqtt://user:password@host:port: an external MQTT broker (Mosquitto with
                     its dynamic-security plugin; see docs/broker.md) instead of the
                     embedded one; the user must be a dynamic-security administrator
  --trust-proxy      Behind one reverse proxy (a load balancer): take the client address
                     for the per-address rate limit and the audit from the last entry the
                     proxy added to X-Forwarded-For, instead of every client counting as
                     the proxy's address
  --login-failures-per-address N
                     Failed sign-ins one address may make in 15 minutes (default 10)
  --login-failures-per-account-address N
                     Failed sign-ins for one account from one address in 15 minutes
                     (default 5); a successful sign-in forgets them
  --login-failures-per-account N
                     Failed sign-ins for one account from all addresses in 15 minutes
                     (default 20); above it only addresses that have not failed on the
                     account may still try, so a guesser cannot lock its owner out
  --registrations-per-address N
                     Registrations one address may attempt in an hour (default 30)
  --firmware-uploads Let company admins upload their own firmware images (POST /api/firmware);
                     without it only the operator adds images, with "latchkey firmware add"
  --webhooks-allow-insecure
                     Let webhook endpoints use http:// and private, loopback or link-local
                     addresses (for tests and closed networks); without it only https://
                     URLs whose host resolves to public addresses are accepted
  --webhooks-retry-ms LIST
                     The waits between webhook attempts, in milliseconds, comma-separated
                     (default 10 s, 1 min, 5 min, 30 min, 2 h, 5 h, 8 h, 8 h: about 24 h)
  --secure-cookies   Always mark the session cookie Secure (the portal is reached over HTTPS
                     though this node sees HTTP); without it the cookie is Secure when the
                     request came over HTTPS, or with --trust-proxy and X-Forwarded-Proto: https
  --event-streams-per-person N
                     Live-update streams (open portal tabs) one person may hold at once
                     (default 10); beyond, GET /api/events answers 429
  --smtp URL         smtp://user:password@host:port (smtps:// for TLS from the start):
                     send mail (password reset, device notices) through this server; without
                     it every mail is written to <data>/outbox/<time>-<id>.eml (0600) and
                     the startup log says so
  --mail-from ADDR   The From of every mail, e.g. "Latchkey <latchkey@example.com>"
                     (default latchkey@localhost)
  --public-url URL   The portal's address as people reach it (https://latchkey.example.com),
                     used for the links in mails; default this node's own http://host:port.
                     Links never follow a request's Host header
  --metrics-token T  Serve GET /metrics (Prometheus text format) on the main port to requests
                     with Authorization: Bearer T; without it (and without --metrics-listen)
                     /metrics answers 404. Prefer LATCHKEY_METRICS_TOKEN: a token on the
                     command line shows in ps
  --metrics-listen HOST:PORT
                     Also serve /metrics, without a token, on a separate plain HTTP
                     listener (e.g. 127.0.0.1:9464): for a private network only
  --log-format pretty|json
                     Log lines readable on a terminal (pretty) or one JSON object a line
                     (json); default pretty when stdout is a terminal, else json
  -h, --help         Show this help

Environment:
  LATCHKEY_MASTER_KEY  32-byte master key (64 hex digits); else <data>/master.key is created;
                       every node of one cloud needs the same: the database keeps a check
                       value of it, and a node with another key refuses to start (exit 1)
  LATCHKEY_BROKER_USERNAME, LATCHKEY_BROKER_PASSWORD
                       the broker login when --broker carries none
  LATCHKEY_SMTP_URL    the SMTP server when --smtp is not given (keeps its password out of
                       the process list)
  LATCHKEY_PUBLIC_URL  the portal's address when --public-url is not given
  LATCHKEY_METRICS_TOKEN
                       the metrics token when --metrics-token is not given
  LOG_LEVEL            the lowest level logged (default info)

On SIGTERM or SIGINT the node stops accepting connections, finishes the requests in flight,
then closes the device link and the database.`;

/** The brute-force limits of sign-in and registration; the windows stay at their defaults. */
function loginLimitsFrom(args: Record<string, string | boolean | undefined>): LoginLimits {
  const count = (name: string, policy: { max: number; windowMs: number }) => ({
    ...policy,
    max: intOption(args[name] as string | undefined, name, policy.max, { min: 1, max: 1_000_000 }),
  });
  const d = defaultLoginLimits;
  return {
    perAddress: count('login-failures-per-address', d.perAddress),
    perPair: count('login-failures-per-account-address', d.perPair),
    perAccount: count('login-failures-per-account', d.perAccount),
    registrationsPerAddress: count('registrations-per-address', d.registrationsPerAddress),
    resetsPerAccount: d.resetsPerAccount,
    resetsPerAddress: d.resetsPerAddress,
  };
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the cloud.',
  usage,
  async run(argv) {
    const args = parseCommandArgs(argv, {
      data: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      database: { type: 'string' },
      broker: { type: 'string' },
      'mqtt-port': { type: 'string' },
      'mqtt-max-packet-bytes': { type: 'string' },
      'mqtt-login-timeout': { type: 'string' },
      'mqtt-max-pending': { type: 'string' },
      'trust-proxy': { type: 'boolean' },
      'login-failures-per-address': { type: 'string' },
      'login-failures-per-account-address': { type: 'string' },
      'login-failures-per-account': { type: 'string' },
      'registrations-per-address': { type: 'string' },
      'secure-cookies': { type: 'boolean' },
      'firmware-uploads': { type: 'boolean' },
      'webhooks-allow-insecure': { type: 'boolean' },
      'webhooks-retry-ms': { type: 'string' },
      'event-streams-per-person': { type: 'string' },
      smtp: { type: 'string' },
      'mail-from': { type: 'string' },
      'public-url': { type: 'string' },
      'metrics-token': { type: 'string' },
      'metrics-listen': { type: 'string' },
      'log-format': { type: 'string' },
    });
    const metricsToken = args['metrics-token'] ?? (process.env.LATCHKEY_METRICS_TOKEN || undefined);
    if (metricsToken !== undefined && !/^[\x21-\x7e]{16,512}$/.test(metricsToken)) {
      // The token is not echoed: it is a secret.
      throw new UsageError(
        '--metrics-token (or LATCHKEY_METRICS_TOKEN) must be 16 to 512 visible ASCII characters, without spaces (e.g. the output of "openssl rand -hex 32").',
      );
    }
    const metricsListen = args['metrics-listen'];
    if (metricsListen !== undefined) {
      try {
        parseListenAddress(metricsListen);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    }
    const logFormat = args['log-format'] ?? (process.stdout.isTTY ? 'pretty' : 'json');
    if (logFormat !== 'pretty' && logFormat !== 'json') {
      throw new UsageError(`--log-format must be pretty or json, got "${logFormat}".`);
    }
    const smtpUrl = args.smtp ?? (process.env.LATCHKEY_SMTP_URL || undefined);
    const smtpProblem = smtpUrl === undefined ? null : smtpUrlProblem(smtpUrl);
    if (smtpProblem !== null) {
      // The URL is not echoed: it may carry the SMTP password.
      throw new UsageError(
        `--smtp (or LATCHKEY_SMTP_URL) must be smtp://user:password@host:port or smtps://…: ${smtpProblem}.`,
      );
    }
    const mailFrom = args['mail-from'];
    if (mailFrom !== undefined && !/^[^\r\n<>]*<?[^\s@<>]+@[^\s@<>]+>?$/.test(mailFrom)) {
      throw new UsageError(
        `--mail-from must be an e-mail address, optionally with a name ("Latchkey <latchkey@example.com>"), got "${mailFrom}".`,
      );
    }
    const publicUrl = args['public-url'] ?? (process.env.LATCHKEY_PUBLIC_URL || undefined);
    const publicProblem = publicUrl === undefined ? null : publicUrlProblem(publicUrl);
    if (publicProblem !== null) {
      throw new UsageError(`--public-url must be the portal's http(s) address: ${publicProblem}.`);
    }
    const embeddedOnly = [
      'mqtt-port',
      'mqtt-max-packet-bytes',
      'mqtt-login-timeout',
      'mqtt-max-pending',
    ] as const;
    const misplaced = embeddedOnly.find((name) => args[name] !== undefined);
    if (args.broker !== undefined && misplaced !== undefined) {
      throw new UsageError(
        `--${misplaced} is for the embedded broker; with --broker, devices connect to that broker.`,
      );
    }
    const mqttPort =
      args['mqtt-port'] === undefined
        ? undefined
        : intOption(args['mqtt-port'], 'mqtt-port', 1883, { min: 0, max: 65535 });
    const mqttLimits = {
      // 268,435,455: the largest remaining length MQTT 3.1.1 §2.2.3 can express.
      maxPacketBytes: intOption(
        args['mqtt-max-packet-bytes'],
        'mqtt-max-packet-bytes',
        DEFAULT_PACKET_LIMIT_BYTES,
        { min: MIN_PACKET_LIMIT_BYTES, max: 268_435_460 },
      ),
      loginTimeoutMs:
        1000 *
        intOption(
          args['mqtt-login-timeout'],
          'mqtt-login-timeout',
          DEFAULT_LOGIN_TIMEOUT_MS / 1000,
          { min: 1, max: 3600 },
        ),
      maxPendingLogins: intOption(
        args['mqtt-max-pending'],
        'mqtt-max-pending',
        DEFAULT_MAX_PENDING_LOGINS,
        { min: 1, max: 1_000_000 },
      ),
    };
    const port = intOption(args.port ?? process.env.PORT, 'port', 8080, { min: 0, max: 65535 });
    const dataDir = resolve(args.data ?? 'data');
    const cloud = await startCloud({
      dataDir,
      databaseUrl: args.database,
      port,
      mqttPort,
      mqttLimits,
      brokerUrl: args.broker,
      host: args.host ?? '0.0.0.0',
      trustProxy: args['trust-proxy'] ?? false,
      loginLimits: loginLimitsFrom(args),
      secureCookies: args['secure-cookies'] ?? false,
      firmwareUploads: args['firmware-uploads'] ?? false,
      webhooksAllowInsecure: args['webhooks-allow-insecure'] ?? false,
      ...(args['webhooks-retry-ms'] === undefined
        ? {}
        : { webhooks: { retryScheduleMs: retrySchedule(args['webhooks-retry-ms']) } }),
      eventStreamsPerPerson: intOption(
        args['event-streams-per-person'],
        'event-streams-per-person',
        DEFAULT_STREAMS_PER_PERSON,
        { min: 1, max: 100_000 },
      ),
      smtpUrl,
      mailFrom,
      publicUrl,
      metricsToken,
      metricsListen,
      logger: {
        level: process.env.LOG_LEVEL ?? 'info',
        // pino-pretty runs in pino's worker thread, off the request path (pino "Transports").
        ...(logFormat === 'pretty'
          ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } }
          : {}),
      },
    });
    const devicesLink =
      cloud.transport.name === 'broker'
        ? `devices link through the broker at ${new URL(args.broker!).host}`
        : `devices link at ${cloud.url.replace(/^http/, 'ws')}/mqtt${cloud.mqttPort === null ? '' : ` and mqtt://…:${cloud.mqttPort}`}`;
    cloud.app.log.info(
      `Latchkey cloud on ${cloud.url} (${cloud.store.dialect.description}); API document at ${cloud.url}/openapi.json; ${devicesLink}`,
    );
    await new Promise<void>((done) => {
      const stop = () => {
        cloud.app.log.info('shutting down: finishing requests in flight');
        cloud
          .close()
          .then(() => cloud.app.log.info('stopped'))
          .catch((error: unknown) => cloud.app.log.error({ err: error }, 'shutdown failed'))
          .finally(done);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};

/** `--webhooks-retry-ms 100,200,500`: the waits between webhook attempts. */
function retrySchedule(value: string): number[] {
  const waits = value.split(',').map((part) => Number(part.trim()));
  if (
    waits.length === 0 ||
    waits.length > 100 ||
    waits.some((w) => !Number.isInteger(w) || w < 0 || w > 7 * 86_400_000)
  ) {
    throw new UsageError(
      '--webhooks-retry-ms takes whole milliseconds, comma-separated (e.g. 10000,60000).',
    );
  }
  return waits;
}
