import { missingParam } from '../../device.errors.ts';
import { RESTORE_UPLOAD } from '../../maintenance.service.ts';
import { result, type ApiContext, type ApiFunction } from './function.types.ts';
import { jsonBlob, jsonBlobLimit, JSON_BLOB_FIELD } from './json-blob.ts';

/** §5.3.3 PUT: the calendar as `blob-json` or a JSON body. */
async function holidaysBody(ctx: ApiContext): Promise<unknown> {
  const body = await jsonBlob(ctx, '{"dates": ["24/12"]}');
  if (body === undefined)
    throw missingParam('blob-json', 'Send the holidays as blob-json: {"dates": ["24/12"]}.');
  return body;
}

/** 5.3 api/config (2N HTTP API manual, chapter 5). */
export const CONFIG_FUNCTIONS: Record<string, ApiFunction> = {
  config: {
    methods: ['GET', 'PUT'],
    service: 'system',
    privilege: 'system.control',
    upload: { field: 'blob-cfg', limit: RESTORE_UPLOAD },
    manual: {
      section: '5.3.1',
      support: 'partial',
      missing: "the file is this emulator's XML, not the vendor's configuration format",
    },
    handle: async ({ device, params, request }) => {
      if (request.method === 'GET') {
        const file = await device.maintenance.backup();
        return {
          kind: 'file',
          body: file.body,
          contentType: 'application/xml',
          filename: file.filename,
        };
      }
      const blob = params.file('blob-cfg');
      if (!blob)
        throw missingParam(
          'blob-cfg',
          'Upload the configuration file as the multipart field "blob-cfg".',
        );
      await device.maintenance.restore(blob, params.string('password'));
      return result();
    },
  },
  'config/holidays': {
    methods: ['GET', 'PUT'],
    service: 'system',
    privilege: 'system.control',
    upload: { field: JSON_BLOB_FIELD, limit: jsonBlobLimit('The holiday calendar') },
    manual: {
      section: '5.3.3',
      support: 'partial',
      missing:
        'the calendar is kept, backed up and shown; the emulator has no time profiles that use it',
    },
    handle: async (ctx) => {
      const holidays = ctx.device.holidays;
      if (ctx.request.method === 'PUT') {
        await holidays.replace(await holidaysBody(ctx));
        return result();
      }
      return result({ dates: holidays.dates() });
    },
  },
  'config/factoryreset': {
    methods: ['PUT', 'POST'],
    service: 'system',
    privilege: 'system.control',
    manual: { section: '5.3.2', support: 'full' },
    handle: async ({ device, params }) => {
      const section = params.oneOf('section', ['network'] as const);
      await device.maintenance.factoryReset({ network: section === 'network' });
      return result();
    },
  },
};
