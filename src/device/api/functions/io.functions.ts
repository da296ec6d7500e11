import { missingParam } from '../../device.errors.ts';
import { controlAnswer, READ, result, type ApiFunction } from './function.types.ts';

/** 2N HTTP API §5.5 api/io: the logic inputs and outputs. */
export const IO_FUNCTIONS: Record<string, ApiFunction> = {
  'io/caps': {
    methods: READ,
    service: 'io',
    privilege: 'io.monitor',
    manual: { section: '5.5.1', support: 'full' },
    handle: ({ device, params }) => result({ ports: device.io.caps(params.string('port')) }),
  },
  'io/status': {
    methods: READ,
    service: 'io',
    privilege: 'io.monitor',
    manual: { section: '5.5.2', support: 'full' },
    handle: ({ device, params }) => result({ ports: device.io.status(params.string('port')) }),
  },
  'io/ctrl': {
    methods: READ,
    service: 'io',
    privilege: 'io.control',
    manual: { section: '5.5.3', support: 'full' },
    handle: ({ device, params }) => {
      const port = params.requiredString('port', 'Add port=relay1 (see /api/io/caps).');
      const action = params.oneOf('action', ['on', 'off'] as const);
      if (!action) throw missingParam('action', 'Add action=on or action=off.');
      device.io.setOutput(port, action === 'on');
      return controlAnswer(params);
    },
  },
};
