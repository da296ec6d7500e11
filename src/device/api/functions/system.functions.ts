import { SWITCH_COUNT } from '../../config.model.ts';
import { READ, result, type ApiFunction } from './function.types.ts';

/** 5.1 api/system (2N HTTP API manual, chapter 5). */
export const SYSTEM_FUNCTIONS: Record<string, ApiFunction> = {
  'system/info': {
    methods: READ,
    service: 'system',
    handle: ({ device }) =>
      result({
        variant: device.identity.model,
        serialNumber: device.identity.serialNumber,
        macAddr: device.identity.macAddress.replace(/:/g, '-'),
        hwVersion: '570v1',
        swVersion: device.maintenance.firmwareVersion,
        buildType: 'release',
        deviceName: device.config.current.webServer.deviceName,
      }),
  },
  'system/status': {
    methods: READ,
    service: 'system',
    privilege: 'system.control',
    handle: ({ device }) =>
      result({
        systemTime: device.utcTime(),
        upTime: device.upTime(),
        // Emulator addition: the link to the Latchkey cloud (fed by the link client).
        cloud: device.cloud,
      }),
  },
  'system/restart': {
    methods: READ,
    service: 'system',
    privilege: 'system.control',
    handle: ({ device }) => {
      device.maintenance.restart('HTTP API request');
      return result();
    },
  },
  'system/caps': {
    methods: READ,
    service: 'system',
    privilege: 'system.control',
    handle: () =>
      result({
        options: {
          keypad: 'active',
          camera: 'active',
          display: 'inactive',
          bluetooth: 'inactive',
          nfc: 'inactive',
          switches: String(SWITCH_COUNT),
        },
      }),
  },
  'system/time': {
    methods: ['GET', 'PUT'],
    service: 'system',
    privilege: 'system.control',
    handle: ({ device, params, request }) => {
      if (request.method === 'PUT') {
        device.setUtcTime(
          params.requiredInt(
            'utcTime',
            { min: 0, max: 4_102_444_800 },
            'Give utcTime in UNIX seconds, e.g. utcTime=1700000000.',
          ),
        );
        return result();
      }
      return result({ utcTime: device.utcTime(), source: 'manual', automatic: false });
    },
  },
};
