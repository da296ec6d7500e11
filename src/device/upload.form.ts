import type { FastifyRequest } from 'fastify';
import { DeviceError } from './device.errors.ts';
import { receiveMultipart } from './upload.request.ts';
import type { Upload, UploadLimit, UploadStore } from './upload.store.ts';

export interface FileForm {
  fields: Record<string, string>;
  /** The chosen file, or null when the form was sent without one. */
  file: Upload | null;
}

/**
 * The web administration's one multipart reader: a form with a single file field (a backup to
 * restore, a firmware image), streamed to a temporary file by upload.request.ts. `verify` runs
 * with the fields that came before the file, and again once the form is read, so a check such
 * as the session's CSRF token refuses a forged upload before its file is stored. The vendor
 * HTTP API reads its `blob-*` parts with receiveMultipart directly (several file fields).
 */
export async function readFileForm(
  store: UploadStore,
  request: FastifyRequest,
  options: {
    field: string;
    limit: UploadLimit;
    /** The refusal when the request is not multipart/form-data at all. */
    notMultipart: () => Error;
    verify?: (fields: Record<string, string>) => void;
  },
): Promise<FileForm> {
  if (!request.isMultipart()) throw options.notMultipart();
  const form = await receiveMultipart(store, request, {
    limitFor: (field) => (field === options.field ? options.limit : undefined),
    ...(options.verify ? { beforeFile: options.verify } : {}),
    maxFiles: 1,
  });
  const file = form.files.get(options.field) ?? null;
  try {
    options.verify?.(form.fields);
  } catch (error) {
    await store.discard(file ?? undefined);
    throw error;
  }
  return { fields: form.fields, file };
}

/** The refusal of a form whose file field is missing or empty (no file chosen). */
export function noFileChosen(field: string, hint: string): DeviceError {
  return new DeviceError(11, hint, field);
}
