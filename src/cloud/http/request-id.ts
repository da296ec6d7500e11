import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { requestLog } from '../services/request-context.ts';

/** An incoming X-Request-Id is kept only when it is this short and this plain. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Fastify's genReqId: the caller's X-Request-Id (a proxy's or a client's, to follow one request
 * through several services) when it is short and safe to write into a log line, else a new
 * UUID. A forged id can then neither break a line nor pass for another's.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Answers every request with its id (X-Request-Id) and runs it with its logger as the services'
 * log (request-context.ts). The header is set on the raw response, so the hijacked answers
 * (the live-update stream) carry it too.
 */
export function installRequestIds(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.raw.setHeader('X-Request-Id', request.id);
    requestLog.run(request.log, done);
  });
}
