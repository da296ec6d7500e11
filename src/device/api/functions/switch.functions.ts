import { SWITCH_COUNT } from '../../config.model.ts';
import { missingParam } from '../../device.errors.ts';
import { SWITCH_ACTIONS } from '../../switches.service.ts';
import type { Params } from '../params.ts';
import { READ, result, type ApiFunction } from './function.types.ts';

/** 5.4 api/switch (2N HTTP API manual, chapter 5). */
export const SWITCH_FUNCTIONS: Record<string, ApiFunction> = {
  'switch/caps': {
    methods: READ,
    service: 'switch',
    privilege: 'switch.monitor',
    handle: ({ device, params }) => result({ switches: device.switches.caps(switchParam(params)) }),
  },
  'switch/status': {
    methods: READ,
    service: 'switch',
    privilege: 'switch.monitor',
    handle: ({ device, params }) =>
      result({ switches: device.switches.status(switchParam(params)) }),
  },
  'switch/ctrl': {
    methods: READ,
    service: 'switch',
    privilege: 'switch.control',
    handle: ({ device, params }) => {
      const number = params.requiredInt(
        'switch',
        { min: 1, max: SWITCH_COUNT },
        `Use a switch number from 1 to ${SWITCH_COUNT} (see /api/switch/caps).`,
      );
      const action = params.oneOf('action', SWITCH_ACTIONS);
      if (!action) throw missingParam('action', `Add action=${SWITCH_ACTIONS.join('|')}.`);
      const timeout = params.int(
        'timeout',
        { min: 1, max: 86_400 },
        'Use a hold timeout from 1 to 86400 seconds.',
      );
      device.switches.control(number, action, action === 'hold' ? timeout : undefined);
      const response = params.string('response');
      if (response !== undefined)
        return {
          kind: 'file',
          body: Buffer.from(response, 'utf8'),
          contentType: 'text/plain; charset=utf-8',
        };
      return result();
    },
  },
};

function switchParam(params: Params): number | undefined {
  return params.int(
    'switch',
    { min: 1, max: SWITCH_COUNT },
    `Use a switch number from 1 to ${SWITCH_COUNT} (see /api/switch/caps).`,
  );
}
