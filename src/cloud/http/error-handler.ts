import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import {
  errorBody,
  isLatchkeyError,
  LatchkeyError,
  type ErrorCode,
  type FieldError,
} from '../../core/errors.ts';

function send(reply: FastifyReply, error: LatchkeyError) {
  if (error.retryAfterSeconds !== undefined) {
    void reply.header('Retry-After', String(error.retryAfterSeconds));
  }
  return reply.status(error.status).send(errorBody(error));
}

function validationFields(error: FastifyError & { validation: unknown[] }): FieldError[] {
  const context = (error as { validationContext?: string }).validationContext ?? 'body';
  return (
    error.validation as {
      instancePath: string;
      keyword: string;
      message?: string;
      params: Record<string, unknown>;
    }[]
  ).flatMap((issue) => {
    const path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (issue.keyword === 'unrecognized_keys') {
      const keys = (issue.params.keys as string[] | undefined) ?? [];
      return keys.map((key) => ({
        field: path ? `${path}.${key}` : key,
        message: `Unknown field "${key}"; remove it (see GET /openapi.json for the fields).`,
      }));
    }
    return [{ field: path || context, message: issue.message ?? 'Invalid value.' }];
  });
}

// Fastify's own request errors, mapped onto the catalog.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_REQUEST',
};

/**
 * The one place that renders errors: catalog errors as they are, request errors mapped onto the
 * catalog, anything else logged and answered as a generic 500 without details.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isLatchkeyError(error)) return send(reply, error);
    if (hasZodFastifySchemaValidationErrors(error)) {
      return send(
        reply,
        new LatchkeyError('VALIDATION_FAILED', { fields: validationFields(error) }),
      );
    }
    const mapped = FASTIFY_CODES[error.code];
    if (mapped) return send(reply, new LatchkeyError(mapped));
    if (
      error instanceof SyntaxError ||
      (error.statusCode !== undefined && error.statusCode < 500)
    ) {
      request.log.info({ err: error }, 'request refused');
      return send(reply, new LatchkeyError('MALFORMED_REQUEST'));
    }
    request.log.error({ err: error }, 'unexpected error');
    return send(reply, new LatchkeyError('INTERNAL'));
  });
  app.setNotFoundHandler((_request, reply) => send(reply, new LatchkeyError('NOT_FOUND')));
}
