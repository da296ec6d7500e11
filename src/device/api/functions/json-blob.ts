import { DeviceError, invalidParam } from '../../device.errors.ts';
import { readUpload, type UploadLimit } from '../../upload.store.ts';
import type { ApiContext } from './function.types.ts';

export const JSON_BLOB_FIELD = 'blob-json';

/** The cap of a small `blob-json` (a few hundred bytes in practice): error 13 above it. */
export function jsonBlobLimit(what: string, maxBytes = 64 * 1024): UploadLimit {
  return {
    maxBytes,
    tooBig: () =>
      new DeviceError(
        13,
        `${what} is larger than ${maxBytes / 1024} KiB; send only what the function takes.`,
        JSON_BLOB_FIELD,
      ),
  };
}

/**
 * The JSON of a PUT that takes `blob-json` (2N HTTP API §5.3.3 holidays, §5.6.3 phone/config):
 * a multipart file or text field of that name, or a plain application/json body, as
 * integrations send both. Undefined when the request carries none.
 */
export async function jsonBlob(ctx: ApiContext, example: string): Promise<unknown> {
  const file = ctx.params.file(JSON_BLOB_FIELD);
  const text = file
    ? (await readUpload(file)).toString('utf8')
    : ctx.params.string(JSON_BLOB_FIELD);
  if (text === undefined) return ctx.body === '' || ctx.body === null ? undefined : ctx.body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidParam(JSON_BLOB_FIELD, `blob-json is not valid JSON; send ${example}.`);
  }
}
