import { READ, result, type ApiFunction } from './function.types.ts';

/** 5.7 api/call (2N HTTP API manual, chapter 5). */
export const CALL_FUNCTIONS: Record<string, ApiFunction> = {
  'call/status': {
    methods: READ,
    service: 'phone',
    privilege: 'phone.monitor',
    handle: () => result({ sessions: [] }),
  },
};
