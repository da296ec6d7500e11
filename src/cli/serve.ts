import { resolve } from 'node:path';
import { startCloud } from '../cloud/cloud.ts';
import { DEFAULT_STREAMS_PER_PERSON } from '../cloud/services/live-updates.service.ts';
import { intOption, parseCommandArgs, UsageError, type Command } from './command.ts';

const usage = `Usage: latchkey serve [options]

Runs the Latchkey cloud: the REST API (and its OpenAPI document at /openapi.json) and the
device link, an embedded MQTT 3.1.1 broker at ws://HOST:PORT/mqtt on the same port, or a
client of an external broker with --broker (several nodes on one PostgreSQL and one broker).
GET /healthz answers while the process lives, GET /readyz when database and broker answer.

Options:
  --data DIR         Data folder: SQLite database and master key (default ./data)
  --port N           HTTP port (default 8080, or $PORT)
  --host ADDR        Address to listen on (default 0.0.0.0)
  --database URL     postgres://… to use PostgreSQL instead of SQLite in the data folder
  --mqtt-port N      Also accept device links over MQTT/TCP on this port
  --broker URL       mqtt://user:password@host:port: an external MQTT broker (Mosquitto with
                     its dynamic-security plugin; see docs/broker.md) instead of the
                     embedded one; the user must be a dynamic-security administrator
  --trust-proxy      Behind one reverse proxy (a load balancer): take the client address
                     for the per-address rate limit and the audit from the last entry the
                     proxy added to X-Forwarded-For, instead of every client counting as
                     the proxy's address
  --secure-cookies   Always mark the session cookie Secure (the portal is reached over HTTPS
                     though this node sees HTTP); without it the cookie is Secure when the
                     request came over HTTPS, or with --trust-proxy and X-Forwarded-Proto: https
  --event-streams-per-person N
                     Live-update streams (open portal tabs) one person may hold at once
                     (default 10); beyond, GET /api/events answers 429
  -h, --help         Show this help

Environment:
  LATCHKEY_MASTER_KEY  32-byte master key (64 hex digits); else <data>/master.key is created;
                       every node of one cloud needs the same
  LATCHKEY_BROKER_USERNAME, LATCHKEY_BROKER_PASSWORD
                       the broker login when --broker carries none

On SIGTERM or SIGINT the node stops accepting connections, finishes the requests in flight,
then closes the device link and the database.`;

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
      'trust-proxy': { type: 'boolean' },
      'secure-cookies': { type: 'boolean' },
      'event-streams-per-person': { type: 'string' },
    });
    if (args.broker !== undefined && args['mqtt-port'] !== undefined) {
      throw new UsageError(
        '--mqtt-port is for the embedded broker; with --broker, devices connect to that broker.',
      );
    }
    const mqttPort =
      args['mqtt-port'] === undefined
        ? undefined
        : intOption(args['mqtt-port'], 'mqtt-port', 1883, { min: 0, max: 65535 });
    const port = intOption(args.port ?? process.env.PORT, 'port', 8080, { min: 0, max: 65535 });
    const dataDir = resolve(args.data ?? 'data');
    const cloud = await startCloud({
      dataDir,
      databaseUrl: args.database,
      port,
      mqttPort,
      brokerUrl: args.broker,
      host: args.host ?? '0.0.0.0',
      trustProxy: args['trust-proxy'] ?? false,
      secureCookies: args['secure-cookies'] ?? false,
      eventStreamsPerPerson: intOption(
        args['event-streams-per-person'],
        'event-streams-per-person',
        DEFAULT_STREAMS_PER_PERSON,
        { min: 1, max: 100_000 },
      ),
      logger: { level: process.env.LOG_LEVEL ?? 'info' },
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
