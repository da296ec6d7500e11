import { missingParam } from '../../device.errors.ts';
import { READ, result, type ApiFunction } from './function.types.ts';

/** 5.5 api/io (2N HTTP API manual, chapter 5). */
export const IO_FUNCTIONS: Record<string, ApiFunction> = {
  'io/caps': {
    methods: READ,
    service: 'io',
    privilege: 'io.monitor',
    handle: ({ device, params }) => result({ ports: device.io.caps(params.string('port')) }),
  },
  'io/status': {
    methods: READ,
    service: 'io',
    privilege: 'io.monitor',
    handle: ({ device, params }) => result({ ports: device.io.status(params.string('port')) }),
  },
  'io/ctrl': {
    methods: READ,
    service: 'io',
    privilege: 'io.control',
    handle: ({ device, params }) => {
      const port = params.requiredString('port', 'Add port=relay1 (see /api/io/caps).');
      const action = params.oneOf('action', ['on', 'off'] as const);
      if (!action) throw missingParam('action', 'Add action=on or action=off.');
      device.io.setOutput(port, action === 'on');
      return result();
    },
  },
};
