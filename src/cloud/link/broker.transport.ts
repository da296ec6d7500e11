import mqtt, { type MqttClient } from 'mqtt';
import { deviceTopic, parseDeviceTopic } from '../../core/link.protocol.ts';
import type { DeviceMessageHandler, LinkTransport } from './link.transport.ts';
import { CLOUD_ROLE, MosquittoDynsec } from './mosquitto-dynsec.ts';

/** The shared-subscription group every cloud node joins (MQTT 5 §4.8.2, Mosquitto 2 for 3.1.1). */
export const SHARE_GROUP = 'latchkey';

/**
 * What the nodes subscribe to. State, events and presence go through one shared subscription,
 * so the broker hands each message to one node only and it is handled once. Replies are not
 * shared: a reply must reach the node whose command it answers (that node holds the pending
 * promise), so every node receives every reply and ignores ids it did not send. Replies are
 * rare (one per command), so this costs little.
 */
export const CLOUD_SUBSCRIPTIONS = [
  `$share/${SHARE_GROUP}/devices/+/state`,
  `$share/${SHARE_GROUP}/devices/+/events`,
  `$share/${SHARE_GROUP}/devices/+/presence`,
  'devices/+/replies',
] as const;

export interface BrokerSettings {
  /** mqtt://host:port (credentials in the URL or below), also mqtts://, ws://, wss://. */
  url: string;
  username: string;
  password: string;
  /** host:port, how the cloud names this broker in its records (never with credentials). */
  key: string;
}

/**
 * Reads `--broker mqtt://user:pass@host:port`; LATCHKEY_BROKER_USERNAME and
 * LATCHKEY_BROKER_PASSWORD are used when the URL carries none (keeps the password out of `ps`).
 */
export function brokerSettings(
  brokerUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): BrokerSettings {
  let url: URL;
  try {
    url = new URL(brokerUrl);
  } catch {
    throw new Error(`--broker must be a URL such as mqtt://user:password@host:1883.`);
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:'].includes(url.protocol)) {
    throw new Error(`--broker must start with mqtt://, mqtts://, ws:// or wss://.`);
  }
  const username = decodeURIComponent(url.username) || env.LATCHKEY_BROKER_USERNAME || '';
  const password = decodeURIComponent(url.password) || env.LATCHKEY_BROKER_PASSWORD || '';
  if (username === '') {
    throw new Error(
      'The broker needs the cloud’s own login: --broker mqtt://user:password@host:port, or LATCHKEY_BROKER_USERNAME and LATCHKEY_BROKER_PASSWORD.',
    );
  }
  const defaultPort = { 'mqtt:': 1883, 'tcp:': 1883, 'mqtts:': 8883, 'ws:': 80, 'wss:': 443 }[
    url.protocol as 'mqtt:'
  ];
  const key = `${url.hostname}:${url.port || defaultPort}`;
  url.username = '';
  url.password = '';
  return { url: url.toString(), username, password, key };
}

export interface BrokerTransportOptions {
  broker: BrokerSettings;
  /** Distinguishes this node's client id on the broker. */
  nodeId: string;
  connectTimeoutMs?: number;
  log: {
    info(object: object, message: string): void;
    warn(object: object, message: string): void;
  };
}

export type BrokerTransport = LinkTransport & { dynsec: MosquittoDynsec; client: MqttClient };

/** Connects to the broker as the cloud's administrator; rejects when it cannot log in. */
export async function connectToBroker(
  broker: BrokerSettings,
  clientId: string,
  connectTimeoutMs = 10_000,
): Promise<MqttClient> {
  const client = mqtt.connect(broker.url, {
    protocolVersion: 4,
    clientId,
    username: broker.username,
    password: broker.password,
    // A clean session: when a node goes away, its share of the device traffic goes to the
    // other nodes at once instead of queueing for it.
    clean: true,
    keepalive: 30,
    reconnectPeriod: 1000,
    connectTimeout: connectTimeoutMs,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`no connection to the broker at ${broker.key} in ${connectTimeoutMs} ms`),
          ),
        connectTimeoutMs,
      );
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      client.once('error', (error) => {
        clearTimeout(timer);
        const code = (error as NodeJS.ErrnoException).code;
        reject(
          new Error(
            typeof code === 'string' && code.startsWith('E')
              ? `no MQTT broker answers at ${broker.key} (${code}); check --broker`
              : // MQTT 3.1.1 §3.2.2.3: CONNACK 4 or 5, the login is wrong or not allowed.
                `the broker at ${broker.key} refused the login "${broker.username}": ${error.message}`,
          ),
        );
      });
    });
  } catch (error) {
    client.end(true);
    throw error;
  }
  return client;
}

/**
 * Gives the cloud's broker login the rights to the device topics (the role latchkey-cloud), on a
 * connection of its own: Mosquitto disconnects every connection of a login whose roles change.
 * For the same reason nodes starting together must do this one after the other (the caller
 * holds a lock), or one node's grant would cut the other's connection mid-start.
 */
export async function prepareBroker(
  broker: BrokerSettings,
  nodeId: string,
  connectTimeoutMs?: number,
): Promise<void> {
  const setup = await connectToBroker(broker, `latchkey-setup-${nodeId}`, connectTimeoutMs);
  try {
    await new MosquittoDynsec(setup).grantCloudRole(broker.username);
  } finally {
    setup.end(true);
  }
}

/**
 * The device link through an external MQTT broker (issue 8): this node is one client among the
 * cloud nodes; the broker authenticates devices and enforces their topic rights itself.
 */
export async function startBrokerTransport(
  options: BrokerTransportOptions,
): Promise<BrokerTransport> {
  const { broker, log } = options;
  const { nodeId } = options;
  const client = await connectToBroker(
    broker,
    `latchkey-cloud-${nodeId}`,
    options.connectTimeoutMs,
  );
  const dynsec = new MosquittoDynsec(client);
  try {
    if (!(await dynsec.clientHasRole(broker.username, CLOUD_ROLE))) {
      throw new Error(`the broker login "${broker.username}" did not get the role ${CLOUD_ROLE}`);
    }
    const granted = await client.subscribeAsync([...CLOUD_SUBSCRIPTIONS], { qos: 1 });
    // MQTT 3.1.1 §3.9.3: return code 0x80 is a refused subscription.
    const refused = granted.filter((grant) => grant.qos === 128).map((grant) => grant.topic);
    if (refused.length > 0) {
      throw new Error(`the broker refused the subscriptions ${refused.join(', ')}`);
    }
  } catch (error) {
    await client.endAsync(true);
    throw error;
  }

  // The senders of the commands the broker has not acknowledged yet.
  const unacknowledged = new Set<(error: Error) => void>();
  // Messages that arrive before the bridge is attached are kept for it: through the shared
  // subscription no other node gets them.
  let handler: DeviceMessageHandler | null = null;
  const early: Parameters<DeviceMessageHandler>[] = [];
  client.on('message', (topic, payload) => {
    const parsed = parseDeviceTopic(topic);
    // The broker's ACLs already let a device publish only under its own serial.
    if (!parsed || parsed.kind === 'commands') return;
    if (handler) handler(parsed.serial, parsed.kind, payload);
    else early.push([parsed.serial, parsed.kind, payload]);
  });
  client.on('offline', () => log.warn({ broker: broker.key }, 'device link: broker unreachable'));
  client.on('reconnect', () => log.info({ broker: broker.key }, 'device link: reconnecting'));
  client.on('connect', () => log.info({ broker: broker.key }, 'device link: broker connected'));

  return {
    name: 'broker',
    dynsec,
    client,
    onDeviceMessage(next) {
      handler = next;
      for (const message of early.splice(0)) next(...message);
    },
    async sendCommand(serial, payload) {
      if (!client.connected) throw new Error(`the broker at ${broker.key} is not connected`);
      let fail: (error: Error) => void = () => {};
      try {
        await new Promise<void>((resolve, reject) => {
          fail = reject;
          unacknowledged.add(fail);
          client.publishAsync(deviceTopic(serial, 'commands'), payload, { qos: 1 }).then(
            () => resolve(),
            (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
          );
        });
      } finally {
        unacknowledged.delete(fail);
      }
    },
    isReady: () => client.connected,
    async close() {
      await endClient(client, CLOSE_GRACE_MS);
      // MQTT.js keeps an unacknowledged QoS 1 publish for a reconnect that will not come now:
      // its sender is told instead of waiting for ever.
      for (const reject of unacknowledged) {
        reject(
          new Error(
            `the link to the broker at ${broker.key} closed before it acknowledged the command`,
          ),
        );
      }
      unacknowledged.clear();
    },
  };
}

/** How long a closing node waits for the broker to acknowledge the commands it published. */
const CLOSE_GRACE_MS = 2000;

/**
 * Ends the connection gracefully while connected: the commands being published go out first
 * (MQTT 3.1.1 §4.3.2: a QoS 1 PUBLISH is done at its PUBACK), then a DISCONNECT. MQTT.js waits
 * for those acknowledgements, and for the broker to close, without bound: a broker that stopped
 * or hangs mid-close never answers, and the node's shutdown would never finish. So the wait is
 * bounded by `graceMs`; after it the socket is destroyed, which ends the client for good (it is
 * already disconnecting, so it does not reconnect).
 */
async function endClient(client: MqttClient, graceMs: number): Promise<void> {
  const ended = client.endAsync(!client.connected).then(
    () => true,
    () => true,
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
  const inTime = await Promise.race([ended, late]);
  clearTimeout(timer);
  if (!inTime) client.stream.destroy();
}
