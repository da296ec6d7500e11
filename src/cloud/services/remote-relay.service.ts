import { randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { LatchkeyError } from '../../core/errors.ts';
import type { ReplyMessage } from '../../core/link.protocol.ts';
import {
  BODY_WINDOW,
  MAX_RELAY_BODY_BYTES,
  PART_BYTES,
  parseHttpAnswerPart,
  type HeaderLines,
  type RelayMethod,
} from '../../core/relay.protocol.ts';
import {
  answerHeadersForBrowser,
  isHtml,
  requestHeadersForDevice,
  rewriteHtml,
} from '../../core/relay.rewrite.ts';
import type { Actor } from './actor.ts';
import type { AuthService } from './auth.service.ts';
import type { CommandSender, StreamSender } from './device-commands.ts';
import type { RemoteSessionsService } from './remote-sessions.service.ts';

/** The relay's bounds (issue 19); tests make them short. */
export interface RelayBounds {
  /** From the last body part sent to the answer's head. */
  headMs: number;
  /** Between two parts of an answer: a device that stops answering mid-answer. */
  partMs: number;
  /** The whole request. */
  totalMs: number;
  perSession: number;
  perNode: number;
}

export const RELAY_BOUNDS: RelayBounds = {
  headMs: 30_000,
  partMs: 30_000,
  totalMs: 5 * 60_000,
  perSession: 4,
  perNode: 64,
};

/** An HTML page is rewritten whole; larger ones pass as they are. */
const MAX_REWRITTEN_HTML = 4 * 1024 * 1024;
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface RelayInput {
  token: string;
  /** The cloud's own session cookie, which binds the remote session to its person. */
  sessionCookie: string | undefined;
  ip: string;
  method: RelayMethod;
  /** The path and query on the device. */
  path: string;
  headers: HeaderLines;
  /** Origin of this cloud as the browser sees it (scheme://host), for the cross-site check. */
  ownOrigin: string;
  body: Readable | null;
  /** Content-Length; null: chunked (read up to the bound). */
  bodyBytes: number | null;
  /** Fires when the browser goes away. */
  signal: AbortSignal;
}

export interface RelayAnswer {
  status: number;
  headers: HeaderLines;
  body: Readable;
}

const header = (headers: HeaderLines, name: string) => headers.find(([key]) => key === name)?.[1];

/** Fetch Metadata (W3C) first, then Origin: an unsafe request from another site is refused. */
function crossSite(input: RelayInput): boolean {
  if (SAFE.has(input.method)) return false;
  const site = header(input.headers, 'sec-fetch-site');
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = header(input.headers, 'origin');
  return origin !== undefined && origin !== input.ownOrigin;
}

async function readAll(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new LatchkeyError('REMOTE_BODY_TOO_LARGE');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads a stream in parts of exactly PART_BYTES (the last shorter). */
async function* parts(body: Readable): AsyncGenerator<Buffer> {
  let held: Buffer = Buffer.alloc(0);
  for await (const chunk of body) {
    held = held.length === 0 ? (chunk as Buffer) : Buffer.concat([held, chunk as Buffer]);
    while (held.length >= PART_BYTES) {
      yield held.subarray(0, PART_BYTES);
      held = held.subarray(PART_BYTES);
    }
  }
  yield held;
}

function refusal(reply: ReplyMessage): LatchkeyError {
  if (reply.error === 'no-web-interface') return new LatchkeyError('DEVICE_NO_WEB_INTERFACE');
  if (reply.error === 'too-many-streams') return new LatchkeyError('REMOTE_TOO_MANY_REQUESTS');
  return new LatchkeyError('DEVICE_REFUSED', {
    cause: `The device could not relay the request: ${reply.error ?? 'no reason given'}.`,
  });
}

/**
 * Issue 19: relays one browser request under `/remote/<token>/` to the device's own web
 * interfaces over the link (relay.protocol.ts). The session is checked first (remote-sessions),
 * then the request goes as a head and body parts in a window of BODY_WINDOW, and the answer
 * comes back as the device's parts, with its headers and pages rewritten to the prefix.
 */
export function createRemoteRelayService(deps: {
  auth: AuthService;
  sessions: RemoteSessionsService;
  commands: CommandSender & StreamSender;
  bounds?: Partial<RelayBounds>;
}) {
  const bounds = { ...RELAY_BOUNDS, ...deps.bounds };
  const perSession = new Map<string, number>();
  let onNode = 0;

  async function actorOf(input: RelayInput): Promise<Actor | null> {
    if (!input.sessionCookie) return null;
    const resolved = await deps.auth.resolveSession(input.sessionCookie);
    if (!resolved) return null;
    return {
      userId: resolved.user.id,
      email: resolved.user.email,
      ip: input.ip,
      credential: {
        kind: 'session',
        sessionId: resolved.session.id,
        tokenHash: resolved.session.tokenHash,
      },
    };
  }

  function take(key: string): () => void {
    const held = perSession.get(key) ?? 0;
    if (held >= bounds.perSession || onNode >= bounds.perNode) {
      throw new LatchkeyError('REMOTE_TOO_MANY_REQUESTS');
    }
    perSession.set(key, held + 1);
    onNode++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      onNode--;
      const left = (perSession.get(key) ?? 1) - 1;
      if (left === 0) perSession.delete(key);
      else perSession.set(key, left);
    };
  }

  /** Sends the body in parts, at most BODY_WINDOW unacknowledged. */
  async function sendBody(serial: string, stream: string, body: Readable, stop: AbortSignal) {
    const inFlight = new Set<Promise<void>>();
    let seq = 0;
    let sent = 0;
    const source = parts(body);
    let next = await source.next();
    while (!next.done) {
      const part = next.value;
      sent += part.length;
      if (sent > MAX_RELAY_BODY_BYTES) throw new LatchkeyError('REMOTE_BODY_TOO_LARGE');
      const following = await source.next();
      const args = {
        stream,
        seq: seq++,
        data: part.toString('base64'),
        last: following.done === true,
      };
      const ack: Promise<void> = deps.commands
        .command(serial, 'http-body', args, bounds.headMs)
        .then((reply) => {
          if (!reply.ok) throw refusal(reply);
        });
      const tracked = ack.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= BODY_WINDOW) await Promise.race(inFlight);
      if (stop.aborted) throw new LatchkeyError('DEVICE_DID_NOT_ANSWER');
      next = following;
    }
    await Promise.all(inFlight);
  }

  /** Puts the answer's data parts into `out`, and a rewritten page in whole. */
  function answerSink(out: PassThrough, html: boolean, prefix: string) {
    const held: Buffer[] = [];
    let size = 0;
    let passThrough = !html;
    return {
      write(data: Buffer) {
        if (passThrough) return void out.write(data);
        held.push(data);
        size += data.length;
        if (size > MAX_REWRITTEN_HTML) {
          passThrough = true;
          for (const chunk of held.splice(0)) out.write(chunk);
        }
      },
      end() {
        if (!passThrough) out.write(rewriteHtml(Buffer.concat(held).toString('utf8'), prefix));
        out.end();
      },
    };
  }

  return {
    async relay(input: RelayInput): Promise<RelayAnswer> {
      const grant = await deps.sessions.authorize(await actorOf(input), input.token);
      if (crossSite(input)) throw new LatchkeyError('REMOTE_CROSS_SITE');
      if (input.bodyBytes !== null && input.bodyBytes > MAX_RELAY_BODY_BYTES) {
        throw new LatchkeyError('REMOTE_BODY_TOO_LARGE');
      }
      const release = take(grant.sessionKey);
      const serial = grant.serialNumber;
      const prefix = `/remote/${input.token}`;
      const stream = randomUUID();
      try {
        // Chunked bodies (no Content-Length) are read first: the device is told the length.
        const buffered =
          input.body && input.bodyBytes === null
            ? await readAll(input.body, MAX_RELAY_BODY_BYTES)
            : null;
        const bodyBytes = buffered?.length ?? input.bodyBytes ?? 0;
        return await exchange(input, serial, stream, prefix, bodyBytes, buffered, release);
      } catch (error) {
        release();
        throw error;
      }
    },
  };

  function exchange(
    input: RelayInput,
    serial: string,
    stream: string,
    prefix: string,
    bodyBytes: number,
    buffered: Buffer | null,
    release: () => void,
  ): Promise<RelayAnswer> {
    const out = new PassThrough();
    const stop = new AbortController();
    let sink: ReturnType<typeof answerSink> | null = null;
    let expectedSeq = 0;
    let timer: NodeJS.Timeout | null = null;
    let settle: { resolve: (answer: RelayAnswer) => void; reject: (error: Error) => void };
    const head = new Promise<RelayAnswer>((resolve, reject) => (settle = { resolve, reject }));
    let headSeen = false;

    const finish = (error: Error | null) => {
      if (stop.signal.aborted) return;
      stop.abort();
      clearTimeout(total);
      if (timer) clearTimeout(timer);
      link.close();
      input.signal.removeEventListener('abort', onBrowserGone);
      release();
      if (error) {
        // The device stops work on a stream the cloud gave up on.
        deps.commands.command(serial, 'http-abort', { stream }, bounds.headMs).catch(() => {});
        if (headSeen) out.destroy(error);
        else settle.reject(error);
      }
    };
    const silent = (ms: number, cause: string) => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => finish(new LatchkeyError('DEVICE_DID_NOT_ANSWER', { cause })), ms);
    };
    const onBrowserGone = () => finish(new Error('the browser went away'));
    const total = setTimeout(
      () =>
        finish(
          new LatchkeyError('DEVICE_DID_NOT_ANSWER', {
            cause: `The request through remote configuration took longer than ${bounds.totalMs / 1000} s.`,
          }),
        ),
      bounds.totalMs,
    );
    input.signal.addEventListener('abort', onBrowserGone);
    out.on('close', () => finish(out.writableFinished ? null : new Error('the browser went away')));

    const onReply = (reply: ReplyMessage): boolean => {
      if (!reply.ok) {
        finish(refusal(reply));
        return true;
      }
      const part = parseHttpAnswerPart(reply.result);
      if (!part.ok || (part.value.part === 'head') === headSeen) {
        finish(new LatchkeyError('DEVICE_REFUSED', { cause: 'The device answered out of turn.' }));
        return true;
      }
      if (part.value.part === 'head') {
        headSeen = true;
        const headers = answerHeadersForBrowser(part.value.headers, prefix);
        const html = isHtml(headers);
        sink = answerSink(out, html, prefix);
        settle.resolve({
          status: part.value.status,
          headers: html ? headers.filter(([name]) => name !== 'content-length') : headers,
          body: out,
        });
      } else {
        if (part.value.seq !== expectedSeq++) {
          finish(new Error('the device skipped a part of its answer'));
          return true;
        }
        sink!.write(Buffer.from(part.value.data, 'base64'));
      }
      if (part.value.last) {
        sink?.end();
        finish(null);
        return true;
      }
      silent(bounds.partMs, 'The device stopped answering in the middle of its answer.');
      return false;
    };

    const link = deps.commands.stream(
      serial,
      'http-request',
      {
        stream,
        method: input.method,
        path: input.path,
        headers: requestHeadersForDevice(input.headers),
        bodyBytes,
      },
      onReply,
      stream,
    );
    const body = buffered ? Readable.from([buffered]) : bodyBytes > 0 ? input.body : null;
    link.sent
      .then(() => (body ? sendBody(serial, stream, body as Readable, stop.signal) : undefined))
      .then(() => {
        if (!headSeen)
          silent(bounds.headMs, `The device did not answer in ${bounds.headMs / 1000} s.`);
      })
      .catch((error: Error) => finish(error));
    return head;
  }
}

export type RemoteRelayService = ReturnType<typeof createRemoteRelayService>;
