import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { isLatchkeyError, type LatchkeyError } from '../../../core/errors.ts';
import type { HeaderLines, RelayMethod } from '../../../core/relay.protocol.ts';
import type { RemoteRelayService } from '../../services/remote-relay.service.ts';
import { SESSION_COOKIE } from '../auth.hooks.ts';
import { escapeHtml } from '../../mail/templates.ts';

/**
 * Issue 19: `ALL /remote/<token>/…`, the device's own web interfaces relayed over its link.
 * Outside /api and outside the OpenAPI document: the device's pages and API, not the cloud's.
 * The body is not parsed here; it streams to the device (remote-relay.service.ts bounds it).
 */
export function remoteRelayRoutes(relay: RemoteRelayService): FastifyPluginAsync {
  return async (app) => {
    app.removeAllContentTypeParsers();
    // Left unread here (and out of request.body, which the text-field check walks): the
    // handler streams request.raw itself.
    app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

    app.get('/remote/:token', { schema: { hide: true } }, (request, reply) =>
      reply.redirect(`${request.url.split('?')[0]}/`),
    );
    app.all('/remote/:token/*', { schema: { hide: true } }, async (request, reply) => {
      const token = (request.params as { token: string }).token;
      const gone = new AbortController();
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) gone.abort();
      });
      const length = request.headers['content-length'];
      const chunked = request.headers['transfer-encoding'] !== undefined;
      try {
        const answer = await relay.relay({
          token,
          sessionCookie: request.cookies[SESSION_COOKIE],
          ip: request.ip,
          method: request.method as RelayMethod,
          path: request.url.slice(`/remote/${token}`.length),
          headers: headerLines(request),
          ownOrigin: `${request.protocol}://${request.host}`,
          body: chunked || Number(length ?? 0) > 0 ? (request.raw as Readable) : null,
          bodyBytes: chunked ? null : Number(length ?? 0),
          signal: gone.signal,
        });
        reply.code(answer.status);
        for (const [name, values] of grouped(answer.headers)) {
          void reply.header(name, name === 'set-cookie' ? values : values.join(', '));
        }
        return reply.send(answer.body);
      } catch (error) {
        if (!isLatchkeyError(error)) throw error;
        return page(request, reply, error);
      }
    });
  };
}

function headerLines(request: FastifyRequest): HeaderLines {
  const raw = request.raw.rawHeaders;
  const lines: HeaderLines = [];
  for (let i = 0; i + 1 < raw.length; i += 2) lines.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return lines;
}

function grouped(headers: HeaderLines): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const [name, value] of headers) map.set(name, [...(map.get(name) ?? []), value]);
  return map;
}

/** A browser gets a page it can read; anything else the usual JSON error body. */
function page(request: FastifyRequest, reply: FastifyReply, error: LatchkeyError) {
  if (!/text\/html/.test(request.headers.accept ?? '')) throw error;
  const hints = error.hints.map((hint) => `<li>${escapeHtml(hint)}</li>`).join('');
  return reply
    .code(error.status)
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Remote configuration</title></head>` +
        `<body><h1>${escapeHtml(error.message)}</h1><p>${escapeHtml(error.explanation)}</p><ul>${hints}</ul></body></html>`,
    );
}
