import { createServer, type Server as NetServer } from 'node:net';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type Client } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import {
  deviceClientId,
  deviceMayPublish,
  deviceMaySubscribe,
  deviceTopic,
  parseDeviceTopic,
} from '../../core/link.protocol.ts';
import { DEFAULT_PACKET_LIMIT_BYTES, oneMessagePerWrite } from '../../core/link.framing.ts';
import type { DeviceMessageHandler, LinkTransport } from './link.transport.ts';
import { limitPacketSize } from './packet-limit.stream.ts';

export const MQTT_WEBSOCKET_PATH = '/mqtt';

/** Bounds on what a connection may cost before it logged in; each has a default below. */
export interface EmbeddedLimits {
  /** The largest MQTT packet a device may send, fixed header included (link.framing.ts). */
  maxPacketBytes?: number | undefined;
  /** How long a connection may take to log in (send CONNECT) before it is closed. */
  loginTimeoutMs?: number | undefined;
  /** How many connections may be open without having logged in; more are refused at once. */
  maxPendingLogins?: number | undefined;
}

/** What the embedded broker needs from the rest of the cloud. */
export interface EmbeddedTransportOptions extends EmbeddedLimits {
  /** The cloud's HTTP server: MQTT over WebSocket is served on it at /mqtt. */
  httpServer: HttpServer;
  /** Also accept MQTT over TCP on this port. */
  mqttPort?: number | undefined;
  host?: string | undefined;
  authenticate(serial: string, password: string): Promise<boolean>;
  log: {
    info(object: object, message: string): void;
    warn(object: object, message: string): void;
  };
}

// The serial a client logged in with; authorisation uses it, never the client id.
const serials = new WeakMap<Client, string>();

// aedes' CONNACK return code 4 (MQTT 3.1.1 §3.2.2.3): bad user name or password.
function badCredentials(): Error & { returnCode: 4 } {
  return Object.assign(new Error('bad user name or password'), { returnCode: 4 as const });
}

// CONNACK return code 2 (MQTT 3.1.1 §3.2.2.3): identifier rejected.
function identifierRejected(): Error & { returnCode: 2 } {
  return Object.assign(new Error('identifier rejected'), { returnCode: 2 as const });
}

export const DEFAULT_LOGIN_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_PENDING_LOGINS = 1000;

/** The embedded MQTT 3.1.1 broker (aedes): WebSocket on the cloud's port, TCP optionally. */
export async function startEmbeddedTransport(
  options: EmbeddedTransportOptions,
): Promise<LinkTransport & { tcpPort: number | null }> {
  const { log } = options;
  const maxPacketBytes = options.maxPacketBytes ?? DEFAULT_PACKET_LIMIT_BYTES;
  const maxPendingLogins = options.maxPendingLogins ?? DEFAULT_MAX_PENDING_LOGINS;
  // Connections that have not logged in yet: each may hold up to a packet in buffers.
  const pending = new Set<Client>();
  const broker = await Aedes.createBroker({
    connectTimeout: options.loginTimeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS,
    authenticate(client, username, password, done) {
      const serial = username ?? '';
      // Checked before the password: aedes ends the session holding this client id only
      // after authenticate agreed (MQTT 3.1.1 §3.1.4), so a refused id disconnects nobody.
      if (client.id !== deviceClientId(serial)) {
        pending.delete(client);
        log.warn({ serial, clientId: client.id }, 'device link refused: client id of another');
        done(identifierRejected(), false);
        return;
      }
      options
        .authenticate(serial, password?.toString() ?? '')
        .then((ok) => {
          pending.delete(client);
          if (!ok) {
            log.warn({ serial, clientId: client.id }, 'device link refused: bad credentials');
            done(badCredentials(), false);
            return;
          }
          serials.set(client, serial);
          done(null, true);
        })
        .catch((error: unknown) => {
          pending.delete(client);
          log.warn({ err: error, serial }, 'device link refused: authentication failed');
          done(badCredentials(), false);
        });
    },
    authorizePublish(client, packet, done) {
      // client is null for the cloud's own messages.
      if (client === null) return done(null);
      const serial = serials.get(client);
      if (serial !== undefined && deviceMayPublish(serial, packet.topic)) return done(null);
      log.warn({ serial, topic: packet.topic }, 'device link: publish refused');
      done(new Error('not authorised'));
    },
    authorizeSubscribe(client, subscription, done) {
      const serial = serials.get(client);
      if (serial !== undefined && deviceMaySubscribe(serial, subscription.topic)) {
        return done(null, subscription);
      }
      log.warn({ serial, topic: subscription.topic }, 'device link: subscribe refused');
      done(null, null);
    },
  });

  // Links per serial (a device reconnecting may briefly hold two).
  const linked = new Map<string, number>();
  broker.on('client', (client) => {
    const serial = serials.get(client);
    if (serial !== undefined) linked.set(serial, (linked.get(serial) ?? 0) + 1);
  });
  broker.on('clientDisconnect', (client) => {
    const serial = serials.get(client);
    if (serial === undefined) return;
    const left = (linked.get(serial) ?? 1) - 1;
    if (left > 0) linked.set(serial, left);
    else linked.delete(serial);
  });

  let handler: DeviceMessageHandler = () => {};
  broker.on('publish', (packet, client) => {
    const topic = parseDeviceTopic(packet.topic);
    // Devices may only publish under their own serial (authorizePublish); the will of a
    // device is published by the broker on its behalf.
    if (!topic || topic.kind === 'commands') return;
    if (client !== null && serials.get(client) !== topic.serial) return;
    handler(topic.serial, topic.kind, Buffer.from(packet.payload));
  });

  // A connection over the bound of not-logged-in ones is refused before it costs anything.
  // Logged once per episode, not per connection: a flood would otherwise flood the log too.
  let refusing = false;
  const admitting = (remote: string | undefined) => {
    const full = pending.size >= maxPendingLogins;
    if (full && !refusing) {
      log.warn(
        { remote, maxPendingLogins },
        'device link: refusing connections, too many have not logged in yet',
      );
    }
    refusing = full;
    return !full;
  };
  const admit = (connection: Duplex, remote: string | undefined) => {
    const guarded = limitPacketSize(connection, maxPacketBytes, (violation) =>
      log.warn(
        { remote, ...violation, maxPacketBytes },
        'device link closed: MQTT packet over the size limit',
      ),
    );
    // Joined here, past the guard: its writes are what reaches the WebSocket (link.framing.ts).
    const client = broker.handle(oneMessagePerWrite(guarded));
    pending.add(client);
    guarded.once('close', () => pending.delete(client));
  };

  // The WebSocket message limit: one packet, with room for a second's fixed header when a
  // peer joins pieces of the stream (MQTT 3.1.1 §6); larger frames are refused with 1009.
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxPacketBytes + 5 });
  // Upgraded sockets are no longer the HTTP server's: they are tracked here, so that closing
  // the cloud ends them (and refuses new ones) instead of waiting for devices to hang up.
  const sockets = new Set<Duplex>();
  let closing = false;
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '').split('?')[0];
    if (closing || path !== MQTT_WEBSOCKET_PATH) {
      socket.destroy();
      return;
    }
    if (!admitting(request.socket.remoteAddress)) {
      socket.end(
        'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    wss.handleUpgrade(request, socket, head, (websocket) => {
      // A protocol error (a message over maxPayload: 1009) ends the connection at once, rather
      // than reading on until the peer answers the close frame (RFC 6455 §7.1.7 allows it).
      websocket.once('error', () => websocket.terminate());
      // Without the upgrade request: aedes would keep it (headers and all) for the life of the
      // link, and nothing here reads it.
      admit(createWebSocketStream(websocket), request.socket.remoteAddress);
    });
  };
  options.httpServer.on('upgrade', onUpgrade);

  let tcp: NetServer | null = null;
  let tcpPort: number | null = null;
  if (options.mqttPort !== undefined) {
    const server = createServer((socket) => {
      if (!admitting(socket.remoteAddress)) {
        socket.destroy();
        return;
      }
      admit(socket, socket.remoteAddress);
    });
    tcp = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new Error(
                `MQTT port ${options.mqttPort} is already in use; choose another with --mqtt-port.`,
              )
            : error,
        ),
      );
      server.listen(options.mqttPort, options.host ?? '0.0.0.0', resolve);
    });
    const address = server.address();
    tcpPort = typeof address === 'object' && address ? address.port : null;
    log.info({ port: tcpPort }, 'device link: MQTT over TCP');
  }

  return {
    name: 'embedded',
    tcpPort,
    onDeviceMessage(next) {
      handler = next;
    },
    sendCommand(serial, payload) {
      return new Promise((resolve, reject) =>
        broker.publish(
          {
            cmd: 'publish',
            topic: deviceTopic(serial, 'commands'),
            payload,
            qos: 1,
            retain: false,
            dup: false,
          },
          (error) => (error ? reject(error) : resolve()),
        ),
      );
    },
    isLinked: (serial) => linked.has(serial),
    isReady: () => !broker.closed,
    async close() {
      closing = true;
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const client of wss.clients) client.terminate();
      for (const socket of sockets) socket.destroy();
      wss.close();
      if (tcp) await new Promise<void>((resolve) => tcp!.close(() => resolve()));
    },
  };
}
