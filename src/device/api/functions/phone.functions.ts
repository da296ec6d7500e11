import { READ, result, type ApiFunction } from './function.types.ts';

/** 5.6 api/phone (2N HTTP API manual, chapter 5). */
export const PHONE_FUNCTIONS: Record<string, ApiFunction> = {
  'phone/status': {
    methods: READ,
    service: 'phone',
    privilege: 'phone.monitor',
    handle: () =>
      result({
        accounts: [1, 2].map((account) => ({
          account,
          sipNumber: '',
          registrationEnabled: false,
          registered: false,
        })),
      }),
  },
};
