import { SWITCH_COUNT } from '../../config.model.ts';
import { invalidParam } from '../../device.errors.ts';
import type { Device } from '../../device.ts';
import { BUILD_TIME, MAX_UTC_TIME, TIME_ZONES } from '../../time.service.ts';
import type { Params } from '../params.ts';
import { READ, result, type ApiFunction } from './function.types.ts';

/** §5.1.1 devType / variantId: the vendor's internal identifiers of the models emulated. */
const MODEL_IDS: Record<string, { devType: string; variantId: number }> = {
  '2N IP Verso': { devType: '2-14-0-0', variantId: 14 },
  '2N IP Force': { devType: '2-9-0-0', variantId: 9 },
  '2N IP Style': { devType: '2-24-0-0', variantId: 24 },
};

/** `0`/`1` (and `false`/`true`, which integrations send too). */
function flagParam(params: Params, name: string): boolean | undefined {
  const raw = params.string(name);
  if (raw === undefined || raw === '') return undefined;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw invalidParam(name, `Use ${name}=1 or ${name}=0.`);
}

function systemInfo(device: Device) {
  const ids = MODEL_IDS[device.identity.model] ?? { devType: '0-0-0-0', variantId: 0 };
  return {
    devType: ids.devType,
    variant: device.identity.model,
    variantId: ids.variantId,
    customerId: 0,
    serialNumber: device.identity.serialNumber,
    macAddr: device.identity.macAddress.replace(/:/g, '-'),
    hwVersion: '570v1',
    swVersion: device.maintenance.firmwareVersion,
    // §5.1.1: "release" for official builds since 2.33.2.
    buildType: 'release',
    firmwarePackage: 'latchkey-emulator',
    deviceName: device.config.current.webServer.deviceName,
  };
}

/** 5.1 api/system (2N HTTP API manual, chapter 5). */
export const SYSTEM_FUNCTIONS: Record<string, ApiFunction> = {
  'system/info': {
    methods: READ,
    service: 'system',
    // §5.1.1: answered "regardless of the set access rights": any account, no privilege. The
    // service's transport and authentication still apply (the factory: HTTPS with Digest).
    manual: { section: '5.1.1', support: 'full' },
    handle: ({ device }) => result(systemInfo(device)),
  },
  'system/status': {
    methods: READ,
    service: 'system',
    privilege: 'system.control',
    manual: { section: '5.1.2', support: 'full' },
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
    manual: { section: '5.1.3', support: 'full' },
    handle: ({ device }) => {
      device.maintenance.restart('HTTP API request');
      return result();
    },
  },
  'system/caps': {
    // §5.1.4 documents GET; POST is kept, as for every other read function.
    methods: READ,
    service: 'system',
    privilege: 'system.control',
    manual: {
      section: '5.1.4',
      support: 'partial',
      missing: 'lists only what the emulator has; no licence states',
    },
    handle: () =>
      result({
        options: {
          audioLoopTest: 'active',
          keyBeep: 'active',
          camera: 'active',
          motionDetection: 'active',
          encJpeg: 'active',
          phone: 'active',
          callAnswerMode: 'active',
          doorOpenCallback: 'active',
          keypad: 'active',
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
    manual: {
      section: '5.1.5',
      support: 'partial',
      missing: 'no NTP client: automatic time is the host clock',
    },
    handle: async ({ device, params, request }) => {
      if (request.method === 'PUT') {
        await device.time.setTime({
          automatic: flagParam(params, 'automatic'),
          utcTime: params.int(
            'utcTime',
            { min: BUILD_TIME, max: MAX_UTC_TIME },
            `Give utcTime in UNIX seconds from ${BUILD_TIME} to ${MAX_UTC_TIME}, e.g. utcTime=1700000000.`,
          ),
          server: params.string('server'),
        });
        return result();
      }
      const { automatic } = device.time.settings;
      return result({ utcTime: device.utcTime(), source: automatic ? 'NTP' : 'manual', automatic });
    },
  },
  'system/timezone': {
    methods: ['GET', 'PUT'],
    service: 'system',
    // §5.1.6: GET needs System Monitoring, which this device folds into System Control.
    privilege: 'system.control',
    manual: {
      section: '5.1.6',
      support: 'partial',
      missing: 'automatic keeps the last zone set (no location lookup)',
    },
    handle: async ({ device, params, request }) => {
      if (request.method === 'PUT') {
        await device.time.setTimezone({
          automatic: flagParam(params, 'automatic'),
          zone: params.string('zone') || undefined,
          custom: params.string('custom'),
        });
        return result();
      }
      return result(device.time.timezone());
    },
  },
  'system/timezone/caps': {
    methods: READ,
    service: 'system',
    privilege: 'system.control',
    manual: { section: '5.1.7', support: 'full' },
    handle: () => result({ timezones: TIME_ZONES }),
  },
};
