import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Device } from '../device.ts';
import { DeviceError } from '../device.errors.ts';
import { isBodyStream, receiveBody, receiveMultipart } from '../upload.request.ts';
import type { Upload } from '../upload.store.ts';
import { authenticate, type AuthOutcome } from './api.auth.ts';
import type { DigestAuthority } from './auth.digest.ts';
import { sendError, sendResult } from './envelope.ts';
import { API_FUNCTIONS, type Method } from './functions/index.ts';
import { paramsFrom } from './params.ts';

const apiPath = (request: FastifyRequest) =>
  request.url
    .split('?', 1)[0]!
    .replace(/^\/api\//, '')
    .replace(/\/+$/, '');

const outcomes = new WeakMap<FastifyRequest, AuthOutcome>();

/**
 * Authenticates a request once: early (before its body is read, for the pre-authentication
 * body limit) and again in the handler would count a Digest nonce twice and a failure twice.
 */
function authenticateOnce(
  request: FastifyRequest,
  device: Device,
  digest: DigestAuthority,
  service: keyof Device['config']['current']['httpApi']['services'],
): AuthOutcome {
  let outcome = outcomes.get(request);
  if (!outcome) {
    const settings = device.config.current.httpApi.services[service];
    outcome = authenticate(request, settings, device.accounts, digest);
    outcomes.set(request, outcome);
  }
  return outcome;
}

/**
 * Whether an /api request would pass authentication, asked before its body is read. Requests
 * the handler refuses anyway (unknown path, wrong method, disabled service, HTTP for an
 * HTTPS-only service) count as unauthenticated and are not checked, so nothing is counted.
 */
export function apiRequestAuthenticated(
  request: FastifyRequest,
  device: Device,
  digest: DigestAuthority,
): boolean {
  const path = apiPath(request);
  const fn = Object.hasOwn(API_FUNCTIONS, path) ? API_FUNCTIONS[path] : undefined;
  if (!fn || !fn.methods.includes(request.method as Method)) return false;
  const settings = device.config.current.httpApi.services[fn.service];
  if (!settings.enabled || (settings.connection === 'https' && request.protocol !== 'https'))
    return false;
  return authenticateOnce(request, device, digest, fn.service).ok;
}

/** The vendor HTTP API under /api: dispatch, service state, transport, authentication, privileges. */
export function registerHttpApi(
  app: FastifyInstance,
  device: Device,
  digest: DigestAuthority,
): void {
  app.all('/api/*', async (request: FastifyRequest, reply: FastifyReply) => {
    const path = apiPath(request);
    const fn = Object.hasOwn(API_FUNCTIONS, path) ? API_FUNCTIONS[path] : undefined;
    if (!fn) {
      return sendError(reply, 2, {
        hint: `There is no HTTP API function /api/${path}; check the path against the HTTP API manual.`,
      });
    }
    if (!fn.methods.includes(request.method as Method)) {
      reply.header('Allow', fn.methods.join(', '));
      return sendError(reply, 3, { hint: `Use ${fn.methods.join(' or ')} for /api/${path}.` });
    }
    const settings = device.config.current.httpApi.services[fn.service];
    if (!settings.enabled) {
      return sendError(reply, 4, {
        hint: `The ${fn.service} service is disabled; enable it in Services → HTTP API.`,
      });
    }
    if (settings.connection === 'https' && request.protocol !== 'https') {
      return sendError(reply, 7, {
        hint: `The ${fn.service} service accepts HTTPS only; use https:// or allow HTTP for it in Services → HTTP API.`,
      });
    }
    const auth = authenticateOnce(request, device, digest, fn.service);
    if (!auth.ok) {
      if (auth.retryAfterSeconds === undefined) {
        return sendError(reply, auth.code, { hint: auth.hint, challenges: auth.challenges });
      }
      // RFC 6585 §4: 429 with Retry-After; no challenge, so clients do not retry at once.
      reply.header('Retry-After', String(auth.retryAfterSeconds));
      return sendError(reply, auth.code, { hint: auth.hint, status: 429 });
    }
    const anyOf = fn.privilege === undefined ? [] : [fn.privilege].flat();
    const account = auth.account;
    if (account && anyOf.length > 0 && !anyOf.some((p) => account.privileges.includes(p))) {
      return sendError(reply, 10, {
        hint: `The account "${account.username}" lacks the ${anyOf.join(' or ')} privilege; grant it in Services → HTTP API → Account.`,
      });
    }
    const abort = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    // Only now, authenticated and privileged, is an upload read: streamed to disk, capped.
    let files = new Map<string, Upload>();
    try {
      let fields: Record<string, string> | undefined;
      const body = request.body;
      if (request.isMultipart()) {
        ({ fields, files } = await receiveMultipart(device.uploads, request, {
          limitFor: (field) =>
            field === fn.upload?.field || fn.upload?.alsoFields?.includes(field)
              ? fn.upload.limit
              : undefined,
        }));
      } else if (isBodyStream(body) && fn.upload) {
        files.set(fn.upload.field, await receiveBody(device.uploads, request, fn.upload.limit));
      }
      const bodyFields =
        body &&
        typeof body === 'object' &&
        !Array.isArray(body) &&
        !isBodyStream(body) &&
        !request.headers['content-type']?.includes('json')
          ? (body as Record<string, unknown>)
          : undefined;
      const params = paramsFrom(
        [request.query as Record<string, unknown>, bodyFields, fields],
        files,
      );
      const output = await fn.handle({
        device,
        account: auth.account,
        params,
        body,
        request,
        signal: abort.signal,
      });
      if (output.kind === 'stream') {
        return reply.code(200).type(output.contentType).send(output.body);
      }
      if (output.kind === 'file') {
        if (output.filename)
          reply.header('Content-Disposition', `attachment; filename="${output.filename}"`);
        return reply.code(200).type(output.contentType).send(output.body);
      }
      return sendResult(reply, output.result);
    } catch (error) {
      if (error instanceof DeviceError) {
        return sendError(reply, error.code, { param: error.param, hint: error.hint });
      }
      const code = (error as { code?: string }).code;
      if (
        code === 'FST_REQ_FILE_TOO_LARGE' ||
        code === 'FST_FILES_LIMIT' ||
        code === 'FST_PARTS_LIMIT'
      ) {
        return sendError(reply, 13, { hint: 'The uploaded data is too big for this function.' });
      }
      request.log.error({ err: error, path }, 'HTTP API function failed');
      return sendError(reply, 14, {
        hint: 'The device could not process the request; try again, and check the device log if it persists.',
      });
    } finally {
      // What the function kept (a pending firmware) it moved away; the rest goes.
      for (const upload of files.values()) await device.uploads.discard(upload);
    }
  });
}
