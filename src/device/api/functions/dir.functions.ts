import { invalidParam } from '../../device.errors.ts';
import { DIR_BLOB_FIELD, DIR_BODY_LIMIT, dirRequest, fieldsOf, usersOf } from './dir.body.ts';
import { READ, result, type ApiFunction } from './function.types.ts';

const upload = { field: DIR_BLOB_FIELD, limit: DIR_BODY_LIMIT };

/** `force` of dir/create (2N HTTP API §5.14.2): 1 or 0, in the query string. */
function force(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw invalidParam('force', 'Use force=1 to overwrite existing entries, or force=0.');
}

/** 2N HTTP API §5.14 api/dir: the directory, in the System service. */
export const DIR_FUNCTIONS: Record<string, ApiFunction> = {
  'dir/template': {
    methods: READ,
    service: 'system',
    privilege: 'system.control',
    manual: {
      section: '5.14.1',
      support: 'partial',
      missing:
        'no photo, fingerprint, mobile key or licence plate fields (the emulated model has no such readers)',
    },
    handle: ({ device }) => result(device.directory.template()),
  },
  'dir/create': {
    methods: ['PUT'],
    service: 'system',
    privilege: 'system.control',
    upload,
    manual: { section: '5.14.2', support: 'full' },
    handle: async (ctx) => {
      const request = await dirRequest(ctx);
      return result(
        await ctx.device.directory.createEntries(
          usersOf(request, false),
          force(ctx.params.string('force')),
        ),
      );
    },
  },
  'dir/update': {
    methods: ['PUT'],
    service: 'system',
    privilege: 'system.control',
    upload,
    manual: { section: '5.14.3', support: 'full' },
    handle: async (ctx) =>
      result(await ctx.device.directory.updateEntries(usersOf(await dirRequest(ctx), true))),
  },
  'dir/delete': {
    methods: ['PUT'],
    service: 'system',
    privilege: 'system.control',
    upload,
    manual: { section: '5.14.4', support: 'full' },
    handle: async (ctx) => {
      const request = await dirRequest(ctx);
      if (request.users === undefined && request.owner !== undefined) {
        if (typeof request.owner !== 'string') {
          throw invalidParam('owner', 'Send "owner" as a string.');
        }
        return result(await ctx.device.directory.deleteEntries({ owner: request.owner }));
      }
      return result(await ctx.device.directory.deleteEntries(usersOf(request, true)));
    },
  },
  'dir/get': {
    methods: ['POST'],
    service: 'system',
    privilege: 'system.control',
    upload,
    manual: { section: '5.14.5', support: 'full' },
    handle: async (ctx) => {
      const request = await dirRequest(ctx);
      return result(ctx.device.directory.getEntries(usersOf(request, false), fieldsOf(request)));
    },
  },
  'dir/query': {
    methods: ['POST'],
    service: 'system',
    privilege: 'system.control',
    upload,
    manual: { section: '5.14.6', support: 'full' },
    handle: async (ctx) => {
      const request = await dirRequest(ctx);
      const iterator = request.iterator as { timestamp?: unknown } | undefined;
      const timestamp = iterator?.timestamp === undefined ? 0 : Number(iterator.timestamp);
      if (!Number.isInteger(timestamp) || timestamp < 0) {
        throw invalidParam('iterator.timestamp', 'Give iterator.timestamp as a whole number ≥ 0.');
      }
      if (request.series !== undefined && typeof request.series !== 'string') {
        throw invalidParam('series', 'Send "series" as the string dir/query returned.');
      }
      return result(
        ctx.device.directory.queryEntries({
          series: request.series as string | undefined,
          timestamp,
          fields: fieldsOf(request),
        }),
      );
    },
  },
};
