import type { DeviceTopicKind } from '../../core/link.protocol.ts';

/** A message a device published, after the broker checked it may publish there. */
export type DeviceMessageHandler = (serial: string, kind: DeviceTopicKind, payload: Buffer) => void;

/**
 * Every MQTT detail of the cloud sits behind this interface: the embedded broker implements it
 * now, a client of an external broker can replace it without touching the rest.
 */
export interface LinkTransport {
  readonly name: string;
  onDeviceMessage(handler: DeviceMessageHandler): void;
  /** Publishes to `devices/<serial>/commands`. */
  sendCommand(serial: string, payload: Buffer): Promise<void>;
  /**
   * Whether the device holds a link to this transport now; undefined when it cannot know (an
   * external broker, where the device is linked to the broker, not to this node).
   */
  isLinked?(serial: string): boolean;
  /** Whether the transport can carry messages now (for readiness checks). */
  isReady(): boolean;
  close(): Promise<void>;
}
