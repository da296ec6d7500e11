import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerAdminApi } from './api/admin.routes.ts';
import { DigestAuthority } from './api/auth.digest.ts';
import { sendError } from './api/envelope.ts';
import { apiRequestAuthenticated, registerHttpApi } from './api/http-api.routes.ts';
import {
  bodyTooBigBeforeAuthentication,
  cappedStream,
  DEFAULT_PRE_AUTH_BODY_LIMIT,
} from './body-limit.ts';
import type { Device } from './device.ts';
import { catalogAnswer } from './device.error-catalog.ts';
import { MAX_FIRMWARE_BYTES } from '../core/firmware.format.ts';
import { SESSION_COOKIE } from './session.guard.ts';
import { registerDeviceSpa } from './spa.static.ts';
import { classicWeb } from './web/classic.routes.ts';

export interface DeviceAppOptions {
  logger?: boolean;
  digest?: DigestAuthority;
  https?: { key: string; cert: string };
  /** Bytes a request may carry before it is authenticated (default 64 KiB). */
  preAuthBodyLimit?: number;
}

/** The device's HTTP surface (vendor HTTP API + admin API), built but not listening. */
export async function buildDeviceApp(
  device: Device,
  options: DeviceAppOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger
      ? {
          level: 'info',
          // Only the path: query strings may carry parameters, and headers credentials.
          serializers: {
            req: (request: { method: string; url: string }) => ({
              method: request.method,
              path: request.url.split('?', 1)[0],
            }),
          },
        }
      : false,
    bodyLimit: 1024 * 1024,
    ...(options.https ? { https: options.https } : {}),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  await app.register(cookie);
  await app.register(formbody);
  await app.register(multipart, { limits: { fileSize: MAX_FIRMWARE_BYTES + 1 } });
  // Raw uploads stay a stream: the handler checks authentication and privileges first, then
  // streams the body to a temporary file (upload.request.ts). The no-op listener keeps a cut
  // off, never-read body (pre-authentication cap) from crashing the process.
  app.addContentTypeParser(
    ['application/octet-stream', 'application/xml', 'text/xml'],
    (_request, payload, done) => {
      payload.on('error', () => {});
      done(null, payload);
    },
  );
  const digest = options.digest ?? new DigestAuthority();
  const preAuthLimit = options.preAuthBodyLimit ?? DEFAULT_PRE_AUTH_BODY_LIMIT;
  // Runs before any body parser: an anonymous request is refused from its Content-Length, or
  // cut off once it passes the limit, so it never gets the 32 MiB the firmware upload may use.
  app.addHook('preParsing', async (request, _reply, payload) => {
    const authenticated = request.url.startsWith('/api/')
      ? apiRequestAuthenticated(request, device, digest)
      : device.accounts.session(request.cookies[SESSION_COOKIE]) !== null;
    if (authenticated) return payload;
    if (Number(request.headers['content-length'] ?? 0) > preAuthLimit) {
      throw bodyTooBigBeforeAuthentication(preAuthLimit);
    }
    return payload.pipe(cappedStream(preAuthLimit));
  });
  // A refusal answered before the body arrived (no privilege, over the cap, forged form)
  // discards the rest as it comes, stored nowhere: the client, still sending, reads the answer
  // rather than a reset, and the connection stays usable (as Node does for unread bodies).
  app.addHook('onResponse', async (request) => {
    if (request.raw.complete) return;
    request.raw.unpipe();
    request.raw.resume();
  });
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const tooBig = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413;
    if (request.url.startsWith('/api/')) {
      if (tooBig)
        return sendError(reply, 13, {
          hint: `The request body is too big for this function (${error.message}).`,
        });
      if ((error.statusCode ?? 500) < 500)
        return sendError(reply, 12, {
          hint: `The request could not be read (${error.message}); check its format.`,
        });
      request.log.error({ err: error }, 'request failed');
      return sendError(reply, 14, { hint: 'The device could not process the request; try again.' });
    }
    const status = tooBig ? 413 : (error.statusCode ?? 500);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const answer = tooBig
      ? catalogAnswer('TOO_BIG', {
          hint: `The request is too big for the device (${error.message}); send less.`,
        })
      : status >= 500
        ? catalogAnswer('INTERNAL')
        : catalogAnswer('BAD_REQUEST', { detail: error.message });
    return reply.code(status).send(answer.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const answer = catalogAnswer('NOT_FOUND', {
      method: request.method,
      path: request.url.split('?')[0]!,
    });
    return reply.code(answer.status).send(answer.body);
  });
  registerHttpApi(app, device, digest);
  await registerAdminApi(app, device);
  await app.register(classicWeb(device));
  await registerDeviceSpa(app);
  return app;
}
