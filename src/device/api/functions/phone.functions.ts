import { MAX_CALL_LOG } from '../../calls.service.ts';
import { SIP_ACCOUNT_COUNT } from '../../config.model.ts';
import { DeviceError, invalidParam } from '../../device.errors.ts';
import type { ApiContext } from './function.types.ts';
import { READ, result, type ApiFunction } from './function.types.ts';
import { jsonBlob, jsonBlobLimit, JSON_BLOB_FIELD } from './json-blob.ts';

function accountParam({ params }: ApiContext): number | undefined {
  return params.int(
    'account',
    { min: 1, max: SIP_ACCOUNT_COUNT },
    `Use a SIP account from 1 to ${SIP_ACCOUNT_COUNT}.`,
  );
}

/**
 * §5.6.2 and §5.6.3: reading needs Phone/Call Monitoring, changing (PUT of the SIP accounts,
 * DELETE of call records) Phone/Call Control.
 */
function requireControl({ account }: ApiContext, what: string): void {
  if (account && !account.privileges.includes('phone.control'))
    throw new DeviceError(
      10,
      `The account "${account.username}" lacks the phone.control privilege needed to ${what}.`,
    );
}

/** Record ids only grow, so any id ever given fits a safe integer; the range just rejects junk. */
const MAX_LOG_ID = Number.MAX_SAFE_INTEGER;

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
  'phone/calllog': {
    methods: ['GET', 'POST', 'DELETE'],
    service: 'phone',
    privilege: 'phone.monitor',
    manual: {
      section: '5.6.2',
      support: 'partial',
      missing: `the emulator's own calls (no doorbell, answered-elsewhere or devType), the last ${MAX_CALL_LOG}, until a restart`,
    },
    handle: (ctx) => {
      if (ctx.request.method === 'DELETE') {
        requireControl(ctx, 'delete call records');
        // An empty id is a mistake, not "all": only a DELETE without id clears the log.
        if (ctx.params.string('id')?.trim() === '')
          throw invalidParam('id', 'Give the id of a record, or leave id out to delete them all.');
        const id = ctx.params.int(
          'id',
          { min: 1, max: MAX_LOG_ID },
          'Give the id of a record from GET /api/phone/calllog, or no id to delete them all.',
        );
        ctx.device.calls.deleteCallLog(id);
        return result();
      }
      return result({ callLog: ctx.device.calls.callLog() });
    },
  },
  'phone/config': {
    methods: ['GET', 'PUT'],
    service: 'phone',
    privilege: 'phone.monitor',
    upload: { field: JSON_BLOB_FIELD, limit: jsonBlobLimit('The SIP configuration') },
    manual: {
      section: '5.6.3',
      support: 'partial',
      missing: 'the settings are kept and shown; no SIP registration or calls are made with them',
    },
    handle: async (ctx) => {
      if (ctx.request.method === 'PUT') {
        requireControl(ctx, 'change SIP accounts');
        await ctx.device.phone.update(await jsonBlob(ctx, '{"accounts": [ … ]}'));
        return result();
      }
      return result({ accounts: ctx.device.phone.accounts(accountParam(ctx)) });
    },
  },
};
