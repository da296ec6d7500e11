import { readFile } from 'node:fs/promises';
import { DeviceError, invalidParam, missingParam } from '../../device.errors.ts';
import type { UploadLimit } from '../../upload.store.ts';
import type { ApiContext } from './function.types.ts';

/** The multipart file part that may carry a dir/* JSON body, named like blob-fw and blob-cfg. */
export const DIR_BLOB_FIELD = 'blob-dir';
export const DIR_BODY_LIMIT: UploadLimit = {
  maxBytes: 1024 * 1024,
  tooBig: () =>
    new DeviceError(13, 'A directory request body may be at most 1 MiB.', DIR_BLOB_FIELD),
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function parseJson(text: string, param: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidParam(
      param,
      'The body is not valid JSON; send a JSON object (see /api/dir/template).',
    );
  }
  if (!isObject(parsed)) throw invalidParam(param, 'Send a JSON object (see /api/dir/template).');
  return parsed;
}

/**
 * The JSON request of a dir/* function (2N HTTP API §5.14): an application/json body, or the
 * same JSON as one part of a multipart form — the file part `blob-dir`, or any text part that
 * holds a JSON object (the manual names no part, so the name is not checked).
 */
export async function dirRequest({
  body,
  params,
  request,
}: ApiContext): Promise<Record<string, unknown>> {
  if (request.headers['content-type']?.includes('json')) {
    if (isObject(body)) return body;
    throw invalidParam('users', 'Send a JSON object (see /api/dir/template).');
  }
  const file = params.file(DIR_BLOB_FIELD);
  if (file) return parseJson(await readFile(file.path, 'utf8'), DIR_BLOB_FIELD);
  for (const name of params.names()) {
    const value = params.string(name)!.trim();
    if (value.startsWith('{')) return parseJson(value, name);
  }
  return {};
}

/** `users` as an array; absent is an empty list where the manual allows that. */
export function usersOf(request: Record<string, unknown>, required: boolean): unknown[] {
  const users = request.users;
  if (users === undefined) {
    if (required) {
      throw missingParam('users', 'Send {"users": [{"uuid": …}, …]} (see /api/dir/template).');
    }
    return [];
  }
  if (!Array.isArray(users)) throw invalidParam('users', 'Send "users" as an array of objects.');
  return users;
}

/** `fields` as a list of names; undefined when absent (the manual's "non-default fields"). */
export function fieldsOf(request: Record<string, unknown>): string[] | undefined {
  const fields = request.fields;
  if (fields === undefined) return undefined;
  if (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string')) {
    throw invalidParam('fields', 'Send "fields" as an array of field names like "access.pin".');
  }
  return fields;
}
