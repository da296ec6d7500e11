import type { CommandName, ReplyMessage } from '../../core/link.protocol.ts';

/** What the services need of the device link to command a device (the LinkBridge gives it). */
export interface CommandSender {
  command(
    serial: string,
    name: CommandName,
    args?: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<ReplyMessage>;
}

/** Issue 19: a command answered by many replies (LinkBridge.stream). */
export interface StreamSender {
  stream(
    serial: string,
    name: CommandName,
    args: Record<string, unknown>,
    onReply: (reply: ReplyMessage) => boolean,
    id?: string,
  ): { sent: Promise<void>; close: () => void };
}

/** The link is not up (the node is starting or stopping): nothing can reach a device. */
export class LinkUnavailableError extends Error {
  override name = 'LinkUnavailableError';
}

/**
 * The services are made before the device link exists (the link needs the services to
 * authenticate devices), so they get this port, and the node attaches the link once it runs.
 */
export class DeviceCommands implements CommandSender, StreamSender {
  #sender: (CommandSender & StreamSender) | null = null;

  attach(sender: (CommandSender & StreamSender) | null): void {
    this.#sender = sender;
  }

  get attached(): boolean {
    return this.#sender !== null;
  }

  command(
    serial: string,
    name: CommandName,
    args: Record<string, unknown> = {},
    timeoutMs?: number,
  ): Promise<ReplyMessage> {
    if (!this.#sender) {
      return Promise.reject(new LinkUnavailableError('the device link is not running'));
    }
    return this.#sender.command(serial, name, args, timeoutMs);
  }

  stream(
    serial: string,
    name: CommandName,
    args: Record<string, unknown>,
    onReply: (reply: ReplyMessage) => boolean,
    id?: string,
  ): { sent: Promise<void>; close: () => void } {
    if (!this.#sender) {
      const sent = Promise.reject(new LinkUnavailableError('the device link is not running'));
      return { sent, close: () => {} };
    }
    return this.#sender.stream(serial, name, args, onReply, id);
  }
}
