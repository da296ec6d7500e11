import { MAX_PULL_TIMEOUT } from '../../event-log.service.ts';
import { READ, result, type ApiFunction } from './function.types.ts';

/** 2N HTTP API §5.10 api/log: the event log, subscriptions and long-poll pulls. */
export const LOG_FUNCTIONS: Record<string, ApiFunction> = {
  'log/caps': {
    methods: READ,
    service: 'logging',
    manual: {
      section: '5.10.1',
      support: 'partial',
      missing:
        'events of hardware the emulated model lacks (fingerprint, Bluetooth, licence plates, display, lift) are not recorded',
    },
    handle: ({ device }) => result({ events: device.eventLog.caps() }),
  },
  'log/subscribe': {
    methods: READ,
    service: 'logging',
    manual: { section: '5.10.2', support: 'full' },
    handle: ({ device, params, account }) =>
      result({
        id: device.eventLog.subscribe({
          include: params.string('include'),
          filter: params.string('filter'),
          duration: params.int(
            'duration',
            { min: 1, max: 3600 },
            'Use a duration from 1 to 3600 seconds.',
          ),
          privileges: account ? account.privileges : null,
        }),
      }),
  },
  'log/pull': {
    methods: READ,
    service: 'logging',
    manual: { section: '5.10.4', support: 'full' },
    handle: async ({ device, params, signal }) => {
      const id = params.requiredInt(
        'id',
        { min: 0, max: 2 ** 32 - 1 },
        'Give the id that /api/log/subscribe returned.',
      );
      const timeout =
        params.int(
          'timeout',
          { min: 0, max: MAX_PULL_TIMEOUT },
          `Use a timeout from 0 to ${MAX_PULL_TIMEOUT} seconds.`,
        ) ?? 0;
      return result({ events: await device.eventLog.pull(id, timeout, signal) });
    },
  },
  'log/unsubscribe': {
    methods: READ,
    service: 'logging',
    manual: { section: '5.10.3', support: 'full' },
    handle: ({ device, params }) => {
      device.eventLog.unsubscribe(
        params.requiredInt(
          'id',
          { min: 0, max: 2 ** 32 - 1 },
          'Give the id that /api/log/subscribe returned.',
        ),
      );
      return result();
    },
  },
};
