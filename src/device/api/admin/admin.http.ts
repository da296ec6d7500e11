import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Device } from '../../device.ts';
import {
  answerFor,
  catalogAnswer,
  type CatalogAnswer,
  type DeviceErrorCode,
} from '../../device.error-catalog.ts';
import { DeviceError } from '../../device.errors.ts';
import {
  createSessionGuard,
  CSRF_HEADER,
  type GuardRefusal,
  type SessionGuard,
} from '../../session.guard.ts';

/** One area of the admin API: its routes, registered with the shared guard. */
export type AdminRoutes = (app: FastifyInstance, device: Device, guard: SessionGuard) => void;

export function sendAnswer(reply: FastifyReply, answer: CatalogAnswer) {
  return reply.code(answer.status).send(answer.body);
}

export function sendCatalogError(
  reply: FastifyReply,
  code: DeviceErrorCode,
  values: Record<string, string> = {},
) {
  return sendAnswer(reply, catalogAnswer(code, values));
}

/**
 * The body as the route's zod schema parsed it (defaults applied). The admin routes validate
 * with `attachValidation` (admin.routes.ts), so the session guard answers an anonymous request
 * before its body is judged; the first problem names its field (device error 12).
 */
export function validBody<S extends z.ZodType>(request: FastifyRequest, _schema: S): z.output<S> {
  const problem = request.validationError?.validation?.[0];
  if (problem) {
    const field = problem.instancePath.slice(1).replaceAll('/', '.');
    throw new DeviceError(12, `${field || 'body'}: ${problem.message}.`, field);
  }
  return request.body as z.output<S>;
}

const REFUSALS: Record<GuardRefusal, DeviceErrorCode> = {
  'login-required': 'LOGIN_REQUIRED',
  'session-expired': 'LOGIN_REQUIRED',
  'csrf-invalid': 'CSRF_TOKEN_INVALID',
  'password-change-required': 'PASSWORD_CHANGE_REQUIRED',
};

/** The session guard as the JSON API configures it: 401/403 answers from the catalog. */
export function adminGuard(device: Device): SessionGuard {
  return createSessionGuard(device.accounts, {
    csrfToken: (request) => request.headers[CSRF_HEADER],
    refuse: (refusal, _request, reply) => sendCatalogError(reply, REFUSALS[refusal]),
    onError: (error, _request, reply) => {
      if (error instanceof DeviceError) return sendAnswer(reply, answerFor(error));
      throw error;
    },
  });
}

/** A route's schemas in the OpenAPI document (under its area's tag), validated as validBody says. */
export function described(
  tag: string,
  summary: string,
  schema: {
    params?: z.ZodType;
    querystring?: z.ZodType;
    body?: z.ZodType;
    response: object;
    /** `[]` for a route open to anyone (login). */
    security?: Record<string, string[]>[];
  },
) {
  return { schema: { tags: [tag], summary, ...schema }, attachValidation: true };
}
