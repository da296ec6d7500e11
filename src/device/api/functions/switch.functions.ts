import { SWITCH_COUNT } from '../../config.model.ts';
import { missingParam } from '../../device.errors.ts';
import { SWITCH_ACTIONS } from '../../switches.service.ts';
import type { Params } from '../params.ts';
import { controlAnswer, READ, result, type ApiFunction } from './function.types.ts';

/** §5.4.3: a hold lasts 1 to 86 400 seconds when `timeout` is given, else until released. */
export const MAX_HOLD_TIMEOUT = 86_400;

/** 5.4 api/switch (2N HTTP API manual, chapter 5). */
export const SWITCH_FUNCTIONS: Record<string, ApiFunction> = {
  'switch/caps': {
    methods: READ,
    service: 'switch',
    privilege: 'switch.monitor',
    manual: { section: '5.4.1', support: 'full' },
    handle: ({ device, params }) => result({ switches: device.switches.caps(switchParam(params)) }),
  },
  'switch/status': {
    methods: READ,
    service: 'switch',
    // §5.4.2 names Switch Control in the current manual, Monitoring in earlier ones (and for
    // caps): either reads the state, so accounts set up after either version keep working.
    privilege: ['switch.monitor', 'switch.control'],
    manual: { section: '5.4.2', support: 'full' },
    handle: ({ device, params }) =>
      result({ switches: device.switches.status(switchParam(params)) }),
  },
  'switch/ctrl': {
    methods: READ,
    service: 'switch',
    privilege: 'switch.control',
    manual: { section: '5.4.3', support: 'full' },
    handle: ({ device, params }) => {
      const number = params.requiredInt(
        'switch',
        { min: 1, max: SWITCH_COUNT },
        `Use a switch number from 1 to ${SWITCH_COUNT} (see /api/switch/caps).`,
      );
      const action = params.oneOf('action', SWITCH_ACTIONS);
      if (!action) throw missingParam('action', `Add action=${SWITCH_ACTIONS.join('|')}.`);
      // §5.4.3: `timeout` is "used when action=hold". Integrations send it with every action
      // (one request template for all); real firmware ignores it there, and so does this.
      const timeout =
        action === 'hold'
          ? params.int(
              'timeout',
              { min: 1, max: MAX_HOLD_TIMEOUT },
              `Use a hold timeout from 1 to ${MAX_HOLD_TIMEOUT} seconds, or leave it out to hold until release.`,
            )
          : undefined;
      device.switches.control(number, action, timeout);
      return controlAnswer(params);
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
