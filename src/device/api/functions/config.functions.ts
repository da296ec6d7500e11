import { DeviceError, invalidParam, missingParam } from '../../device.errors.ts';
import { RESTORE_UPLOAD } from '../../maintenance.service.ts';
import { readUpload, type UploadLimit } from '../../upload.store.ts';
import { result, type ApiContext, type ApiFunction } from './function.types.ts';

/** A full holiday calendar is a few kilobytes; 64 KiB is far more than any. */
const HOLIDAYS_UPLOAD: UploadLimit = {
  maxBytes: 64 * 1024,
  tooBig: () =>
    new DeviceError(
      13,
      'The holiday calendar is larger than 64 KiB; send only {"dates": [ … ]}.',
      'blob-json',
    ),
};

/**
 * §5.3.3 PUT: the JSON travels as `blob-json` (a multipart file or field); a plain
 * application/json body is read the same way, as integrations send both.
 */
async function holidaysBody(ctx: ApiContext): Promise<unknown> {
  const file = ctx.params.file('blob-json');
  const text = file ? (await readUpload(file)).toString('utf8') : ctx.params.string('blob-json');
  if (text === undefined) {
    if (ctx.body === undefined || ctx.body === null || ctx.body === '')
      throw missingParam('blob-json', 'Send the holidays as blob-json: {"dates": ["24/12"]}.');
    return ctx.body;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidParam('blob-json', 'blob-json is not valid JSON; send {"dates": ["24/12"]}.');
  }
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
    upload: { field: 'blob-json', limit: HOLIDAYS_UPLOAD },
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
