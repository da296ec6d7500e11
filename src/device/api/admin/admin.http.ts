import type { FastifyInstance, FastifyReply } from 'fastify';
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

/** Validates a JSON body against its shape; the first problem names its field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DeviceError(
      12,
      `${issue.path.join('.') || 'body'}: ${issue.message}.`,
      issue.path.join('.'),
    );
  }
  return parsed.data;
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
