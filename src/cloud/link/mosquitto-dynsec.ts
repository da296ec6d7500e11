import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { deviceClientId, deviceTopic } from '../../core/link.protocol.ts';

// Mosquitto dynamic security plugin docs (https://mosquitto.org/documentation/dynamic-security/):
// commands are published as {"commands": [...]} to $CONTROL/dynamic-security/v1 and answered
// as {"responses": [...]} on …/v1/response, each response carrying the command's
// correlationData and, when it failed, an "error" text.
export const DYNSEC_TOPIC = '$CONTROL/dynamic-security/v1';
export const DYNSEC_RESPONSE_TOPIC = `${DYNSEC_TOPIC}/response`;

/** The role the cloud's own broker client gets: every device topic, commands to send. */
export const CLOUD_ROLE = 'latchkey-cloud';

export interface DynsecCommand {
  command: string;
  [field: string]: unknown;
}

export interface DynsecResponse {
  command: string;
  error?: string;
  data?: unknown;
  correlationData?: string;
}

interface Acl {
  acltype:
    | 'publishClientSend'
    | 'publishClientReceive'
    | 'subscribeLiteral'
    | 'subscribePattern'
    | 'unsubscribePattern';
  topic: string;
  allow: boolean;
  priority?: number;
}

/** What a device may do on the broker: the same rights as deviceMayPublish/deviceMaySubscribe. */
export function deviceAcls(serial: string): Acl[] {
  return [
    ...(['state', 'events', 'replies', 'presence'] as const).map((kind): Acl => ({
      acltype: 'publishClientSend',
      topic: deviceTopic(serial, kind),
      allow: true,
    })),
    // subscribeLiteral: the filter must be exactly this topic, no wildcard filters.
    { acltype: 'subscribeLiteral', topic: deviceTopic(serial, 'commands'), allow: true },
    { acltype: 'publishClientReceive', topic: deviceTopic(serial, 'commands'), allow: true },
  ];
}

/** The cloud's rights: receive every device topic (also through $share), send commands. */
export function cloudAcls(): Acl[] {
  return [
    { acltype: 'publishClientSend', topic: 'devices/+/commands', allow: true },
    { acltype: 'publishClientReceive', topic: 'devices/#', allow: true },
    { acltype: 'subscribePattern', topic: 'devices/#', allow: true },
    { acltype: 'subscribePattern', topic: '$share/+/devices/#', allow: true },
    { acltype: 'unsubscribePattern', topic: '#', allow: true },
  ];
}

export const deviceRole = (serial: string) => `latchkey-device-${serial}`;

const alreadyExists = (response: DynsecResponse | undefined) =>
  response?.error !== undefined && /already/i.test(response.error);

/** A failed dynamic-security command, with the plugin's own words. */
export class DynsecError extends Error {
  override name = 'DynsecError';
}

/**
 * Drives Mosquitto's dynamic-security plugin over its $CONTROL topics with an MQTT client that
 * logged in as a dynsec administrator. Several nodes may do it at once: every response goes to
 * every administrator, and each node picks its own by correlationData.
 */
export class MosquittoDynsec {
  readonly #waiting = new Map<string, (response: DynsecResponse) => void>();
  // Requests not fully answered yet, by batch id: sent again after a reconnect.
  readonly #unanswered = new Map<string, string>();
  #subscribed: Promise<void> | null = null;

  private readonly client: MqttClient;
  private readonly timeoutMs: number;
  constructor(client: MqttClient, timeoutMs = 10_000) {
    this.client = client;
    this.timeoutMs = timeoutMs;
    client.on('message', (topic, payload) => {
      if (topic === DYNSEC_RESPONSE_TOPIC) this.#onResponse(payload);
    });
    // Mosquitto disconnects every connection of a login whose roles change (another node
    // giving the cloud's login its role, for one): a request in flight then may have got no
    // answer. The commands are safe to repeat, so they are sent again.
    client.on('connect', () => {
      for (const request of this.#unanswered.values()) {
        client.publishAsync(DYNSEC_TOPIC, request, { qos: 1 }).catch(() => {});
      }
    });
  }

  /** Sends commands in one request; resolves with one response per command, in order. */
  async send(commands: readonly DynsecCommand[]): Promise<DynsecResponse[]> {
    this.#subscribed ??= this.client
      .subscribeAsync(DYNSEC_RESPONSE_TOPIC, { qos: 1 })
      .then((granted) => {
        if (granted.some((grant) => grant.qos === 128)) {
          throw new DynsecError(
            `the broker refused ${DYNSEC_RESPONSE_TOPIC}: the cloud's broker user is not a dynamic-security administrator`,
          );
        }
      });
    await this.#subscribed;
    const batch = randomBytes(8).toString('hex');
    const tagged = commands.map((command, index) => ({
      ...command,
      correlationData: `${batch}:${index}`,
    }));
    const answers = tagged.map(
      (command) =>
        new Promise<DynsecResponse>((resolve, reject) => {
          const timer = setTimeout(() => {
            this.#waiting.delete(command.correlationData);
            reject(
              new DynsecError(
                `no answer from the broker's dynamic-security plugin to ${command.command} in ${this.timeoutMs} ms (is the plugin loaded?)`,
              ),
            );
          }, this.timeoutMs);
          // Waiting for an answer does not keep a process (latchkey mint) alive.
          timer.unref();
          this.#waiting.set(command.correlationData, (response) => {
            clearTimeout(timer);
            resolve(response);
          });
        }),
    );
    const request = JSON.stringify({ commands: tagged });
    this.#unanswered.set(batch, request);
    // Handled from here on, even when the publish below never completes (a kicked connection).
    const all = Promise.all(answers);
    all.catch(() => {});
    try {
      await this.client.publishAsync(DYNSEC_TOPIC, request, { qos: 1 });
      return await all;
    } finally {
      this.#unanswered.delete(batch);
    }
  }

  /** Sends commands and throws on any error not matched by `tolerate`. */
  async run(
    commands: readonly DynsecCommand[],
    tolerate: (response: DynsecResponse, index: number) => boolean = () => false,
  ): Promise<DynsecResponse[]> {
    const responses = await this.send(commands);
    responses.forEach((response, index) => {
      if (response.error !== undefined && !tolerate(response, index)) {
        throw new DynsecError(`${response.command} failed: ${response.error}`);
      }
    });
    return responses;
  }

  /** Whether the broker login `username` holds `rolename`. */
  async clientHasRole(username: string, rolename: string): Promise<boolean> {
    const [client] = await this.run([{ command: 'getClient', username }]);
    const roles =
      (client?.data as { client?: { roles?: { rolename: string }[] } } | undefined)?.client
        ?.roles ?? [];
    return roles.some((role) => role.rolename === rolename);
  }

  /**
   * Creates the cloud role and gives it to `username` (the cloud's own login), unless it holds
   * it already. Mosquitto disconnects every connection of a client whose roles change, this
   * one included, so the answer to addClientRole may never come: use a connection of its own.
   */
  async grantCloudRole(username: string): Promise<void> {
    if (await this.clientHasRole(username, CLOUD_ROLE)) return;
    await this.run([{ command: 'createRole', rolename: CLOUD_ROLE, acls: cloudAcls() }], (r) =>
      alreadyExists(r),
    );
    const answered = this.send([
      { command: 'addClientRole', username, rolename: CLOUD_ROLE, priority: 10 },
    ]).catch(() => null);
    const kicked = new Promise<void>((resolve) => this.client.once('close', () => resolve()));
    await Promise.race([answered, kicked]);
  }

  /**
   * Creates (or brings up to date) each device's login: username = serial, password = its link
   * password, bound to the device's own client id (Mosquitto then refuses the login with any
   * other, so it cannot take over another device's session), and a role of its own with the
   * device's topic rights. Idempotent: a login that exists gets its password and client id set
   * and its role added again.
   */
  async provisionDevices(devices: readonly { serial: string; password: string }[]): Promise<void> {
    if (devices.length === 0) return;
    const first = await this.run(
      devices.flatMap(({ serial, password }) => [
        { command: 'createRole', rolename: deviceRole(serial), acls: deviceAcls(serial) },
        {
          command: 'createClient',
          username: serial,
          password,
          clientid: deviceClientId(serial),
          textName: `Latchkey device ${serial}`,
          roles: [{ rolename: deviceRole(serial), priority: 1 }],
        },
      ]),
      (response) => alreadyExists(response),
    );
    const existing = devices.filter((_, index) => alreadyExists(first[index * 2 + 1]));
    if (existing.length === 0) return;
    await this.run(
      existing.flatMap(({ serial, password }) => [
        { command: 'setClientPassword', username: serial, password },
        { command: 'setClientId', username: serial, clientid: deviceClientId(serial) },
        { command: 'addClientRole', username: serial, rolename: deviceRole(serial), priority: 1 },
      ]),
      // addClientRole answers an error when the client holds the role already.
      (response) => response.command === 'addClientRole',
    );
  }

  #onResponse(payload: Buffer): void {
    let responses: unknown;
    try {
      responses = (JSON.parse(payload.toString()) as { responses?: unknown }).responses;
    } catch {
      return;
    }
    if (!Array.isArray(responses)) return;
    for (const response of responses as DynsecResponse[]) {
      const id = response?.correlationData;
      if (typeof id !== 'string') continue;
      const resolve = this.#waiting.get(id);
      if (!resolve) continue;
      this.#waiting.delete(id);
      resolve(response);
    }
  }
}
