import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { DeviceError } from './device.errors.ts';
import { MAX_FIRMWARE_BYTES } from '../core/firmware.format.ts';
import type { Upload, UploadLimit, UploadStore } from './upload.store.ts';

/** Aborts when the client goes away before its request body arrived in full. */
function clientGone(request: FastifyRequest): AbortSignal {
  const abort = new AbortController();
  request.raw.once('close', () => {
    if (!request.raw.complete) abort.abort(new Error('the client closed the connection'));
  });
  return abort.signal;
}

/** Whether the body was left to the handler as a stream (raw uploads, see device.app.ts). */
export function isBodyStream(body: unknown): body is Readable {
  return body instanceof Readable;
}

/**
 * Streams a raw request body (`application/octet-stream`, `application/xml`) to a temporary
 * file. Call it only after authentication and privilege checks: until then nothing is read.
 */
export function receiveBody(
  store: UploadStore,
  request: FastifyRequest,
  limit: UploadLimit,
): Promise<Upload> {
  if (!isBodyStream(request.body)) throw new Error('the request body is not a stream');
  return store.receive(request.body, limit, clientGone(request));
}

export interface MultipartUpload {
  fields: Record<string, string>;
  /** The file parts by field name; empty parts without a file name (no file chosen) are left out. */
  files: Map<string, Upload>;
}

/**
 * Reads a multipart form, streaming each accepted file part to a temporary file. `limitFor`
 * says which file fields are taken (and their cap); any other file part is refused unread.
 * `beforeFile` runs with the fields seen so far before a file is stored, for checks (a form's
 * CSRF token) that must come before the upload. On any error every stored file is deleted.
 */
export async function receiveMultipart(
  store: UploadStore,
  request: FastifyRequest,
  options: {
    limitFor: (field: string) => UploadLimit | undefined;
    beforeFile?: (fields: Record<string, string>) => void;
    maxFiles?: number;
  },
): Promise<MultipartUpload> {
  const fields: Record<string, string> = {};
  const files = new Map<string, Upload>();
  const signal = clientGone(request);
  try {
    for await (const part of request.parts({
      // The caps are per field and enforced while streaming (below); busboy's is the largest + 1.
      limits: { fileSize: MAX_FIRMWARE_BYTES + 1, files: options.maxFiles ?? 4, fields: 32 },
    })) {
      if (part.type !== 'file') {
        if (typeof part.value === 'string') fields[part.fieldname] = part.value;
        continue;
      }
      const limit = options.limitFor(part.fieldname);
      if (!limit || files.has(part.fieldname)) {
        part.file.resume();
        throw new DeviceError(
          12,
          `The form has an unexpected file field "${part.fieldname}"; send one file in the field this function names.`,
          part.fieldname,
        );
      }
      options.beforeFile?.(fields);
      const upload = await store.receive(part.file, limit, signal);
      if (upload.bytes === 0 && part.filename === '') await store.discard(upload);
      else files.set(part.fieldname, upload);
    }
  } catch (error) {
    for (const upload of files.values()) await store.discard(upload);
    throw error;
  }
  return { fields, files };
}
