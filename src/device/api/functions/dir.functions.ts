import { invalidParam, missingParam } from '../../device.errors.ts';
import { DIRECTORY_TEMPLATE } from '../../directory.service.ts';
import { result, type ApiFunction } from './function.types.ts';

function jsonUsers(body: unknown): unknown[] {
  if (
    body === null ||
    typeof body !== 'object' ||
    !Array.isArray((body as { users?: unknown }).users)
  ) {
    throw missingParam('users', 'Send a JSON body like {"users": [ … ]} (see /api/dir/template).');
  }
  return (body as { users: unknown[] }).users;
}

function jsonFields(body: unknown): string[] | undefined {
  const fields = (body as { fields?: unknown } | null)?.fields;
  if (fields === undefined) return undefined;
  if (!Array.isArray(fields))
    throw invalidParam('fields', 'Send "fields" as an array of field names.');
  return fields.map(String);
}

/** 5.14 api/dir (2N HTTP API manual, chapter 5). */
export const DIR_FUNCTIONS: Record<string, ApiFunction> = {
  'dir/template': {
    methods: ['GET'],
    service: 'system',
    privilege: 'system.control',
    handle: () => result({ users: [DIRECTORY_TEMPLATE] }),
  },
  'dir/create': {
    methods: ['PUT'],
    service: 'system',
    privilege: 'system.control',
    handle: async ({ device, body, params }) =>
      result({
        users: await device.directory.create(
          jsonUsers(body),
          params.string('force') === '1' || params.string('force') === 'true',
        ),
      }),
  },
  'dir/update': {
    methods: ['PUT'],
    service: 'system',
    privilege: 'system.control',
    handle: async ({ device, body }) =>
      result({ users: await device.directory.update(jsonUsers(body)) }),
  },
  'dir/delete': {
    methods: ['PUT'],
    service: 'system',
    privilege: 'system.control',
    handle: async ({ device, body }) =>
      result({ users: await device.directory.delete(jsonUsers(body)) }),
  },
  'dir/get': {
    methods: ['POST'],
    service: 'system',
    privilege: 'system.control',
    handle: ({ device, body }) =>
      result({ users: device.directory.get(jsonUsers(body), jsonFields(body)) }),
  },
  'dir/query': {
    methods: ['POST'],
    service: 'system',
    privilege: 'system.control',
    handle: ({ device, body }) => {
      const iterator = (body as { iterator?: { timestamp?: unknown } } | null)?.iterator;
      const since = iterator?.timestamp === undefined ? 0 : Number(iterator.timestamp);
      if (!Number.isInteger(since) || since < 0)
        throw invalidParam('iterator.timestamp', 'Give iterator.timestamp as a whole number ≥ 0.');
      return result(device.directory.query(since, jsonFields(body)));
    },
  },
};
