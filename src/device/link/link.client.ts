import mqtt, { MqttClient, type IClientOptions } from 'mqtt';
import WebSocket, { createWebSocketStream } from 'ws';
import { oneMessagePerWrite } from '../../core/link.framing.ts';
import {
  deviceClientId,
  deviceTopic,
  parseCommandMessage,
  type AccessEventMessage,
  type CommandMessage,
  type DeviceEventMessage,
  type DeviceStateMessage,
  type ReplyMessage,
} from '../../core/link.protocol.ts';
import { parseProvisionArgs } from '../../core/provisioning.protocol.ts';
import { deriveLinkPassword } from '../../core/security-code.rules.ts';
import type { DeviceEventMap } from '../device.events.ts';
import type { Device } from '../device.ts';
import { AccessEventsBuffer } from './access-events.buffer.ts';
import { backupRestore, backupUpload } from './backup.commands.ts';
import { FirmwareUpdateCommand, type FirmwareDownloadLimits } from './firmware-update.command.ts';
import { openDoor } from './open-door.command.ts';
import { DeviceRelay } from './relay.command.ts';

export interface LinkClientOptions {
  /** The cloud's base URL (http://host:port → ws://host:port/mqtt) or a broker URL (mqtt://, ws://). */
  cloudUrl: string;
  /** First reconnect delay; doubles up to `maxBackoffMs`, with full jitter. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  keepaliveSeconds?: number;
  log?: (message: string) => void;
  /** Called after every successful connect (for progress reports). */
  onConnect?: () => void;
  /** Issue 19: bounds on a `firmware-update` download (firmware-update.command.ts). */
  firmwareDownload?: FirmwareDownloadLimits;
  /**
   * Issue 19: the device's own web address (http://127.0.0.1:<port>) the remote-configuration
   * relay makes requests against; without one the relay answers `no-web-interface`.
   */
  webUrl?: string | undefined;
}

/** Where the device connects for a given --cloud value. */
export function brokerUrlFor(cloudUrl: string): string {
  const url = new URL(cloudUrl);
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.pathname = '/mqtt';
    return url.toString();
  }
  if (['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:'].includes(url.protocol)) return url.toString();
  throw new Error(
    `The cloud URL must start with http://, https://, mqtt:// or ws://, got "${url.protocol}//".`,
  );
}

/** MQTT over WebSocket (subprotocol "mqtt", MQTT 3.1.1 §6), one message per MQTT write. */
function webSocketStream(url: string) {
  const socket = new WebSocket(url, 'mqtt');
  const stream = oneMessagePerWrite(createWebSocketStream(socket));
  socket.on('close', () => stream.destroy());
  return stream;
}

/**
 * The device's side of the link (DESIGN.md "Link"): logs in with serial + HMAC of its secret,
 * reports state on every connect, forwards its events, answers commands, and reconnects with
 * exponential backoff and full jitter so a fleet does not reconnect in lockstep.
 */
export class DeviceLinkClient {
  #client: MqttClient | null = null;
  #attempt = 0;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #stopped = false;
  #stopping: Promise<void> | null = null;
  #ready = false;
  #site: string | null = null;
  #mode: 'automatic' | 'manual' | null = null;
  readonly #unsubscribe: (() => void)[] = [];
  /** Door events of the time the link was down (access-events.buffer.ts). */
  readonly #offlineAccess = new AccessEventsBuffer();
  readonly #firmwareUpdate: FirmwareUpdateCommand;
  readonly #relay: DeviceRelay;

  private readonly device: Device;
  private readonly options: LinkClientOptions;
  constructor(device: Device, options: LinkClientOptions) {
    this.device = device;
    this.options = options;
    // A progress event while the link is down is dropped, as other events: the state sent on
    // reconnect carries the firmware that runs.
    this.#firmwareUpdate = new FirmwareUpdateCommand(
      device,
      (event) => this.#publish('events', event),
      options.firmwareDownload,
      (message) => this.#log(message),
    );
    this.#relay = new DeviceRelay({
      webUrl: options.webUrl,
      send: async (reply) => {
        await this.#client?.publishAsync(
          deviceTopic(device.identity.serialNumber, 'replies'),
          JSON.stringify(reply),
          { qos: 1 },
        );
      },
    });
  }

  /** Starts connecting; resolves at once (the link comes and goes on its own). */
  start(): void {
    const { serialNumber, secret } = this.device.identity;
    const topic = (kind: Parameters<typeof deviceTopic>[1]) => deviceTopic(serialNumber, kind);
    this.device.setCloudLink({
      state: 'connecting',
      site: this.#site,
      configurationMode: this.#mode,
    });
    const url = brokerUrlFor(this.options.cloudUrl);
    const options: IClientOptions = {
      protocolVersion: 4,
      clientId: deviceClientId(serialNumber),
      username: serialNumber,
      password: deriveLinkPassword(secret, serialNumber),
      keepalive: this.options.keepaliveSeconds ?? 30,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      will: {
        topic: topic('presence'),
        payload: Buffer.from('{"online":false}'),
        qos: 1,
        retain: false,
      },
    };
    const client = /^wss?:/.test(url)
      ? new MqttClient(() => webSocketStream(url), options)
      : mqtt.connect(url, options);
    this.#client = client;

    client.on('connect', () => {
      this.#attempt = 0;
      // Online only once commands can reach the device: the cloud answers "online" with the
      // ownership command, which a device not yet subscribed would miss.
      client.subscribe(topic('commands'), { qos: 1 }, (error) => {
        if (error) {
          this.#log(`cloud link: cannot receive commands (${error.message})`);
          client.end(true);
          return;
        }
        this.#ready = true;
        this.device.setCloudLink({
          state: 'connected',
          site: this.#site,
          configurationMode: this.#mode,
        });
        // State first: when the cloud shows the device online, it already knows what it is.
        this.#publish('state', this.#state());
        this.#publish('presence', { online: true });
        for (const event of this.#offlineAccess.drain()) this.#publish('events', event);
        this.options.onConnect?.();
      });
    });
    client.on('message', (_topic, payload) => this.#onCommand(payload));
    client.on('error', (error) => this.#log(`cloud link error: ${error.message}`));
    client.on('close', () => {
      this.#ready = false;
      this.device.setCloudLink({
        state: this.#stopped ? 'disconnected' : 'connecting',
        site: this.#site,
        configurationMode: this.#mode,
      });
      if (!this.#stopped) this.#scheduleReconnect();
    });

    // Announced as soon as it is decided: the old code stops working in the cloud while the
    // device is still writing the new generation to its flash (SecurityCodeService).
    this.#on('code-regenerating', ({ generation }) =>
      this.#publish('events', {
        type: 'code-regenerated',
        generation,
      } satisfies DeviceEventMessage),
    );
    this.#on('factory-reset', ({ network }) =>
      this.#publish('events', { type: 'factory-reset', network } satisfies DeviceEventMessage),
    );
    this.#on('config-restored', () =>
      this.#publish('events', { type: 'config-restored' } satisfies DeviceEventMessage),
    );
    this.#on('access-decided', (decided) => {
      const event: AccessEventMessage = { type: 'access', ...decided };
      if (this.connected) this.#publish('events', event);
      else this.#offlineAccess.hold(event);
    });
    this.#on('restarted', ({ reason }) => {
      this.#publish('events', { type: 'restarted', reason } satisfies DeviceEventMessage);
      this.#publish('state', this.#state());
    });
  }

  /** Says goodbye (presence offline) and closes the link; calling it again is harmless. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#stopped = true;
    this.#relay.close();
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    for (const off of this.#unsubscribe.splice(0)) off();
    const client = this.#client;
    if (!client) return;
    if (client.connected) {
      // The goodbye is worth a short wait, not a hang: the broker may be gone already.
      const goodbye = client
        .publishAsync(
          deviceTopic(this.device.identity.serialNumber, 'presence'),
          '{"online":false}',
          { qos: 1 },
        )
        .catch(() => {});
      await Promise.race([goodbye, new Promise((resolve) => setTimeout(resolve, 1000))]);
    }
    // A forced end waits for nothing more: the goodbye had its chance above, and if the broker
    // missed it, the will says the same.
    await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    this.device.setCloudLink({
      state: 'disconnected',
      site: this.#site,
      configurationMode: this.#mode,
    });
  }

  /** Connected and subscribed to its commands. */
  get connected(): boolean {
    return this.#ready && (this.#client?.connected ?? false);
  }

  #on<E extends keyof DeviceEventMap>(
    event: E,
    listener: (...args: DeviceEventMap[E]) => void,
  ): void {
    const events = this.device.events as unknown as NodeJS.EventEmitter;
    const untyped = listener as (...args: unknown[]) => void;
    events.on(event, untyped);
    this.#unsubscribe.push(() => events.off(event, untyped));
  }

  #state(): DeviceStateMessage {
    return {
      model: this.device.identity.model,
      firmware: this.device.maintenance.firmwareVersion,
      codeGeneration: this.device.securityCode.generation,
      uptime: this.device.upTime(),
      directory: this.device.cloudDirectory.held(),
    };
  }

  #publish(kind: 'state' | 'events' | 'replies' | 'presence', message: object): void {
    const client = this.#client;
    // While disconnected nothing is queued: the state sent on reconnect carries what matters.
    if (!client?.connected) return;
    client.publish(deviceTopic(this.device.identity.serialNumber, kind), JSON.stringify(message), {
      qos: 1,
    });
  }

  #onCommand(payload: Buffer): void {
    const parsed = parseCommandMessage(payload);
    if (!parsed.ok) {
      this.#log(`cloud link: command ignored (${parsed.message})`);
      return;
    }
    const command = parsed.value;
    // Provision writes the directory first, so replies may come later than the command's turn.
    Promise.resolve(this.#execute(command))
      .catch((error: unknown) => {
        this.#log(`cloud link: ${command.name} failed (${(error as Error).message})`);
        return { id: command.id, ok: false, error: 'failed' } satisfies ReplyMessage;
      })
      .then((reply) => this.#publish('replies', reply));
  }

  #execute(command: CommandMessage): ReplyMessage | Promise<ReplyMessage> {
    switch (command.name) {
      case 'set-ownership':
        return this.#setOwnership(command);
      case 'provision': {
        const args = parseProvisionArgs(command.args);
        if (!args.ok) return { id: command.id, ok: false, error: 'bad-args' };
        return this.device.cloudDirectory
          .provision(args.value)
          .then((outcome) => ({ id: command.id, ...outcome }));
      }
      case 'report-state':
        return { id: command.id, ok: true, result: { ...this.#state() } };
      case 'restart':
        // Answer first, then restart, as the device would before it goes down.
        setImmediate(() => this.device.maintenance.restart('cloud command'));
        return { id: command.id, ok: true, result: {} };
      case 'open-door':
        return openDoor(this.device, command.id, command.args);
      case 'firmware-update':
        return this.#firmwareUpdate.execute(command.id, command.args);
      case 'http-request':
      case 'http-body':
      case 'http-abort':
        return this.#relay.execute(command);
      case 'backup-upload':
        return backupUpload(this.device, command.id, command.args);
      case 'backup-restore':
        return backupRestore(this.device, command.id, command.args);
    }
  }

  /**
   * `{site, siteId?, configurationMode?}`: the site's name the UIs show, and (issue 17) its id and
   * the Auto Provisioning mode. Another siteId than the cloud entries' wipes them at once.
   */
  async #setOwnership(command: CommandMessage): Promise<ReplyMessage> {
    const { site, siteId, configurationMode } = command.args;
    if (site !== null && typeof site !== 'string') {
      return { id: command.id, ok: false, error: 'site must be a name or null' };
    }
    const mode =
      configurationMode === 'automatic' || configurationMode === 'manual'
        ? configurationMode
        : null;
    this.#site = site;
    this.#mode = site === null ? null : mode;
    this.device.setCloudLink({ state: 'connected', site, configurationMode: this.#mode });
    if (
      (siteId === null || typeof siteId === 'string') &&
      (await this.device.cloudDirectory.ownerChanged(siteId))
    ) {
      // What it holds changed without the cloud asking: the state says so, and the cloud
      // sends the new site's directory if it believed it applied already.
      this.#publish('state', this.#state());
    }
    return { id: command.id, ok: true, result: { site } };
  }

  #scheduleReconnect(): void {
    if (this.#reconnectTimer || this.#stopped) return;
    const min = this.options.minBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 30_000;
    const ceiling = Math.min(max, min * 2 ** this.#attempt);
    // Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter").
    const delay = min / 2 + Math.random() * (ceiling - min / 2);
    this.#attempt++;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (!this.#stopped) this.#client?.reconnect();
    }, delay);
  }

  #log(message: string): void {
    this.options.log?.(message);
  }
}
