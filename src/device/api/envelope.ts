import type { FastifyReply } from 'fastify';
import { API_ERRORS, type ApiErrorCode } from '../device.errors.ts';

/** The vendor's reply envelope: `{success: true, result}` or `{success: false, error}`. */
export function sendResult(reply: FastifyReply, result?: unknown) {
  return reply
    .code(200)
    .type('application/json')
    .send(result === undefined ? { success: true } : { success: true, result });
}

/**
 * `{success: false, error: {code, param?, description}}` plus `hint`, a sentence saying what to
 * do. Authentication failures answer HTTP 401 (so standard Digest clients retry), others 200
 * as the vendor does.
 */
export function sendError(
  reply: FastifyReply,
  code: ApiErrorCode,
  options: { param?: string; hint?: string; challenges?: string[]; status?: number } = {},
) {
  const status = options.status ?? (code === 8 || code === 9 ? 401 : 200);
  if (options.challenges && options.challenges.length > 0) {
    reply.header('WWW-Authenticate', options.challenges);
  }
  return reply
    .code(status)
    .type('application/json')
    .send({
      success: false,
      error: {
        code,
        ...(options.param ? { param: options.param } : {}),
        description: API_ERRORS[code],
        ...(options.hint ? { hint: options.hint } : {}),
      },
    });
}
