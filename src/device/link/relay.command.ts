import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import type { CommandMessage, ReplyMessage } from '../../core/link.protocol.ts';
import {
  PART_BYTES,
  parseHttpAbortArgs,
  parseHttpBodyArgs,
  parseHttpRequestArgs,
  type HeaderLines,
  type HttpAnswerPart,
  type HttpRequestArgs,
} from '../../core/relay.protocol.ts';

/** The device's own bound on one relayed request, the cloud's five minutes and a little. */
const REQUEST_TIMEOUT_MS = 5 * 60 * 1000 + 10_000;
/** Requests relayed at once; the cloud caps each session's lower (remote-relay.service.ts). */
const MAX_STREAMS = 8;

interface Stream {
  body: PassThrough;
  request: ClientRequest;
  nextSeq: number;
  received: number;
  bodyBytes: number;
}

export interface DeviceRelayOptions {
  /** The device's own web address (http://127.0.0.1:<port>); undefined: none to relay to. */
  webUrl?: string | undefined;
  /** Publishes one reply and resolves once the broker has it (QoS 1), pacing the answer. */
  send: (reply: ReplyMessage) => Promise<void>;
}

const answer = (id: string, part: HttpAnswerPart): ReplyMessage => ({
  id,
  ok: true,
  result: { ...part },
});

/**
 * Issue 19: the device's side of the remote-configuration relay (relay.protocol.ts). It makes
 * each relayed request against its own web server, as a browser on its network would, writes
 * the body parts in as they come (acknowledged once written on, so the cloud's window is the
 * backpressure), and sends the answer back in parts of 11 KiB.
 */
export class DeviceRelay {
  readonly #streams = new Map<string, Stream>();
  private readonly options: DeviceRelayOptions;
  constructor(options: DeviceRelayOptions) {
    this.options = options;
  }

  execute(command: CommandMessage): ReplyMessage | Promise<ReplyMessage> {
    switch (command.name) {
      case 'http-request':
        return this.#request(command);
      case 'http-body':
        return this.#body(command);
      default:
        return this.#abort(command);
    }
  }

  /** Ends every relayed request (the link stops). */
  close(): void {
    for (const stream of this.#streams.values()) stream.request.destroy();
    this.#streams.clear();
  }

  async #request(command: CommandMessage): Promise<ReplyMessage> {
    const fail = (error: string): ReplyMessage => ({ id: command.id, ok: false, error });
    if (!this.options.webUrl) return fail('no-web-interface');
    const parsed = parseHttpRequestArgs(command.args);
    if (!parsed.ok) return fail('bad-args');
    if (this.#streams.size >= MAX_STREAMS || this.#streams.has(parsed.value.stream)) {
      return fail('too-many-streams');
    }
    const args = parsed.value;
    const body = new PassThrough();
    const request = this.#open(args, this.options.webUrl);
    const stream: Stream = { body, request, nextSeq: 0, received: 0, bodyBytes: args.bodyBytes };
    this.#streams.set(args.stream, stream);
    try {
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        request.once('response', resolve);
        request.once('error', reject);
        if (args.bodyBytes === 0) request.end();
        else body.pipe(request);
      });
      return await this.#answer(command.id, response);
    } catch {
      return fail(request.destroyed ? 'aborted' : 'web-interface-failed');
    } finally {
      this.#streams.delete(args.stream);
      body.destroy();
    }
  }

  #open(args: HttpRequestArgs, webUrl: string): ClientRequest {
    const url = new URL(args.path, webUrl);
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of args.headers) {
      const held = headers[name];
      headers[name] = held === undefined ? value : [...[held].flat(), value];
    }
    // The request goes to this device's own server: its own Host, and the exact body length.
    headers.host = url.host;
    delete headers['transfer-encoding'];
    if (args.bodyBytes > 0) headers['content-length'] = String(args.bodyBytes);
    else delete headers['content-length'];
    return httpRequest(url, {
      method: args.method,
      headers,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  }

  /** The head, then the body in parts; the last part is what the command's promise gives. */
  async #answer(id: string, response: IncomingMessage): Promise<ReplyMessage> {
    const headers: HeaderLines = [];
    const raw = response.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
    const status = response.statusCode ?? 502;
    await this.options.send(answer(id, { part: 'head', status, headers, last: false }));
    let seq = 0;
    let held: Buffer = Buffer.alloc(0);
    for await (const chunk of response) {
      held = Buffer.concat([held, chunk as Buffer]);
      while (held.length > PART_BYTES) {
        const data = held.subarray(0, PART_BYTES).toString('base64');
        held = held.subarray(PART_BYTES);
        await this.options.send(answer(id, { part: 'data', seq: seq++, data, last: false }));
      }
    }
    return answer(id, { part: 'data', seq, data: held.toString('base64'), last: true });
  }

  async #body(command: CommandMessage): Promise<ReplyMessage> {
    const parsed = parseHttpBodyArgs(command.args);
    if (!parsed.ok) return { id: command.id, ok: false, error: 'bad-args' };
    const { stream: id, seq, data, last } = parsed.value;
    const stream = this.#streams.get(id);
    if (!stream) return { id: command.id, ok: false, error: 'unknown-stream' };
    const bytes = Buffer.from(data, 'base64');
    stream.received += bytes.length;
    if (seq !== stream.nextSeq || stream.received > stream.bodyBytes) {
      stream.request.destroy();
      return { id: command.id, ok: false, error: 'body-out-of-order' };
    }
    stream.nextSeq++;
    // Acknowledged once the device's server takes it: the cloud's window waits on this.
    if (!stream.body.write(bytes)) {
      await new Promise<void>((resolve) => {
        stream.body.once('drain', resolve);
        stream.body.once('close', resolve);
      });
    }
    if (last) stream.body.end();
    return { id: command.id, ok: true, result: { stream: id, seq } };
  }

  #abort(command: CommandMessage): ReplyMessage {
    const parsed = parseHttpAbortArgs(command.args);
    if (!parsed.ok) return { id: command.id, ok: false, error: 'bad-args' };
    this.#streams.get(parsed.value.stream)?.request.destroy();
    return { id: command.id, ok: true, result: {} };
  }
}
