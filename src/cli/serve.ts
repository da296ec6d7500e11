import { resolve } from 'node:path';
import { startCloud } from '../cloud/cloud.ts';
import { intOption, parseCommandArgs, type Command } from './command.ts';

const usage = `Usage: latchkey serve [options]

Runs the Latchkey cloud: the REST API (and its OpenAPI document at /openapi.json) and the
device link, an embedded MQTT 3.1.1 broker at ws://HOST:PORT/mqtt on the same port.

Options:
  --data DIR         Data folder: SQLite database and master key (default ./data)
  --port N           HTTP port (default 8080, or $PORT)
  --host ADDR        Address to listen on (default 0.0.0.0)
  --database URL     postgres://… to use PostgreSQL instead of SQLite in the data folder
  --mqtt-port N      Also accept device links over MQTT/TCP on this port
  --broker URL       mqtt://… external MQTT broker (not built yet: see the README)
  -h, --help         Show this help

Environment:
  LATCHKEY_MASTER_KEY  32-byte master key (64 hex digits); else <data>/master.key is created`;

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
    });
    if (args.broker !== undefined) {
      throw new Error(
        'An external broker (--broker) is not supported yet in this version; without it the cloud embeds its own broker.',
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
      host: args.host ?? '0.0.0.0',
      logger: { level: process.env.LOG_LEVEL ?? 'info' },
    });
    cloud.app.log.info(
      `Latchkey cloud on ${cloud.url} (${cloud.store.dialect.description}); API document at ${cloud.url}/openapi.json; devices link at ${cloud.url.replace(/^http/, 'ws')}/mqtt${cloud.mqttPort === null ? '' : ` and mqtt://…:${cloud.mqttPort}`}`,
    );
    await new Promise<void>((done) => {
      const stop = () => {
        cloud.app.log.info('shutting down: finishing requests in flight');
        void cloud.close().then(done);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
