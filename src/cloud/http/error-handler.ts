import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
 * Fastify's errors from before routing (a path parameter over the length limit, a path that is
 * not valid percent-encoding): without this they answer in Fastify's own format.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  request.log.info({ err: error }, 'request refused before routing');
  void send(
    reply,
    new LatchkeyError(error.code === 'FST_ERR_ASYNC_CONSTRAINT' ? 'INTERNAL' : 'NOT_FOUND'),
  );
}

/**
 * What Node's HTTP parser refuses before Fastify sees a request (headers over the size limit,
 * bytes that are not HTTP): answered with the error body too, instead of Fastify's own format.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const cause =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'The request headers are larger than the server accepts.'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'The request did not arrive in time.'
        : 'The request is not valid HTTP.';
  const body = JSON.stringify(errorBody(new LatchkeyError('MALFORMED_REQUEST', { cause })));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** NUL (PostgreSQL cannot store it) or a lone UTF-16 surrogate (not text; stored mangled). */
const notText = (value: string) => value.includes('\u0000') || /[\uD800-\uDFFF]/u.test(value);

/**
 * The paths of the strings holding a character that is not allowed, walked without recursion (a
 * body may nest thousands of levels deep within the size limit); a path is built only for a find.
 */
function badTextFields(root: unknown): string[] {
  interface Node {
    value: unknown;
    key: string;
    parent: Node | null;
  }
  const found: string[] = [];
  const stack: Node[] = [{ value: root, key: '', parent: null }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (typeof node.value === 'string') {
      if (!notText(node.value)) continue;
      const keys: string[] = [];
      for (let at: Node | null = node; at?.parent; at = at.parent) keys.unshift(at.key);
      found.push(keys.join('.'));
    } else if (
      typeof node.value === 'object' &&
      node.value !== null &&
      // A raw body (a firmware image, issue 19) is bytes, not fields; walking it would visit
      // each of up to 32 Mi bytes as an entry.
      !Buffer.isBuffer(node.value)
    ) {
      for (const [key, value] of Object.entries(node.value))
        stack.push({ value, key, parent: node });
    }
  }
  return found;
}

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
  // No text field holds a NUL character (PostgreSQL cannot store or compare one: a 500 there,
  // while SQLite would keep it) or a lone surrogate (each database stores it mangled). Refused
  // alike on every database, before anything reads it.
  app.addHook('preValidation', async (request) => {
    const fields = [request.params, request.query, request.body].flatMap(badTextFields);
    if (fields.length > 0) {
      throw new LatchkeyError('VALIDATION_FAILED', {
        fields: fields.map((field) => ({
          field: field || 'body',
          message:
            'Remove the character that is not text (a NUL character or a lone surrogate); it is not allowed in any field.',
        })),
      });
    }
  });
}
