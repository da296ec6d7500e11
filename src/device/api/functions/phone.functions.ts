import { SIP_ACCOUNT_COUNT } from '../../config.model.ts';
import { DeviceError, invalidParam } from '../../device.errors.ts';
import type { UploadLimit } from '../../upload.store.ts';
import { readUpload } from '../../upload.store.ts';
import type { ApiContext } from './function.types.ts';
import { READ, result, type ApiFunction } from './function.types.ts';

/** A SIP configuration is a few hundred bytes; 64 KiB is far more than any. */
const PHONE_CONFIG_UPLOAD: UploadLimit = {
  maxBytes: 64 * 1024,
  tooBig: () =>
    new DeviceError(
      13,
      'The SIP configuration is larger than 64 KiB; send only the accounts.',
      'blob-json',
    ),
};

function accountParam({ params }: ApiContext): number | undefined {
  return params.int(
    'account',
    { min: 1, max: SIP_ACCOUNT_COUNT },
    `Use a SIP account from 1 to ${SIP_ACCOUNT_COUNT}.`,
  );
}

/**
 * §5.6.3 PUT: the JSON travels as `blob-json` (a multipart file or field); a plain
 * application/json body is read the same way, as integrations send both.
 */
async function jsonBody(ctx: ApiContext): Promise<unknown> {
  const file = ctx.params.file('blob-json');
  const text = file ? (await readUpload(file)).toString('utf8') : ctx.params.string('blob-json');
  if (text === undefined) return ctx.body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidParam('blob-json', 'blob-json is not valid JSON; send {"accounts": [ … ]}.');
  }
}

/** §5.6.3: GET needs Phone/Call Monitoring, PUT Phone/Call Control. */
function requireControl({ account }: ApiContext): void {
  if (account && !account.privileges.includes('phone.control'))
    throw new DeviceError(
      10,
      `The account "${account.username}" lacks the phone.control privilege needed to change SIP accounts.`,
    );
}

/** 5.6 api/phone (2N HTTP API manual, chapter 5). */
export const PHONE_FUNCTIONS: Record<string, ApiFunction> = {
  'phone/status': {
    methods: READ,
    service: 'phone',
    privilege: 'phone.monitor',
    manual: {
      section: '5.6.1',
      support: 'partial',
      missing: 'registration is simulated (no SIP stack)',
    },
    handle: (ctx) => result({ accounts: ctx.device.phone.status(accountParam(ctx)) }),
  },
  'phone/config': {
    methods: ['GET', 'PUT'],
    service: 'phone',
    privilege: 'phone.monitor',
    upload: { field: 'blob-json', limit: PHONE_CONFIG_UPLOAD },
    manual: {
      section: '5.6.3',
      support: 'partial',
      missing: 'the settings are kept and shown; no SIP registration or calls are made with them',
    },
    handle: async (ctx) => {
      if (ctx.request.method === 'PUT') {
        requireControl(ctx);
        await ctx.device.phone.update(await jsonBody(ctx));
        return result();
      }
      return result({ accounts: ctx.device.phone.accounts(accountParam(ctx)) });
    },
  },
};
