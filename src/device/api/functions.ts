import type { FastifyRequest } from 'fastify';
import type { ApiAccount, Privilege, ServiceName } from '../config.model.ts';
import type { Device } from '../device.ts';
import { invalidParam, missingParam } from '../device.errors.ts';
import { MAX_PULL_TIMEOUT } from '../event-log.service.ts';
import { SWITCH_ACTIONS } from '../switches.service.ts';
import { SWITCH_COUNT } from '../config.model.ts';
import { DIRECTORY_TEMPLATE } from '../directory.service.ts';
import type { Params } from './params.ts';
import { FIRMWARE_UPLOAD, RESTORE_UPLOAD } from '../maintenance.service.ts';
import type { UploadLimit } from '../upload.store.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiContext {
  device: Device;
  /** The authenticated HTTP API account; null when the service needs no authentication. */
  account: ApiAccount | null;
  params: Params;
  body: unknown;
  request: FastifyRequest;
  signal: AbortSignal;
}

export type ApiOutput =
  | { kind: 'result'; result?: unknown }
  | { kind: 'file'; body: Buffer; contentType: string; filename?: string };

export interface ApiFunction {
  methods: Method[];
  service: ServiceName;
  /** Privilege an account needs; none means any authenticated account may call it. */
  privilege?: Privilege;
  /** The one file the function takes (multipart field or raw body), streamed to disk with its cap. */
  upload?: { field: string; limit: UploadLimit };
  handle(ctx: ApiContext): Promise<ApiOutput> | ApiOutput;
}

const result = (value?: unknown): ApiOutput => ({ kind: 'result', result: value });
const READ: Method[] = ['GET', 'POST'];

function jsonUsers(body: unknown): unknown[] {
  if (
    body === null ||
    typeof body !== 'object' ||
    !Array.isArray((body as { users?: unknown }).users)
  ) {
    throw missingParam('users', 'Send a JSON body like {"users": [ … ]} (see /api/dir/template).');
  }
  return (body as { users: unknown[] }).users;
}

function jsonFields(body: unknown): string[] | undefined {
  const fields = (body as { fields?: unknown } | null)?.fields;
  if (fields === undefined) return undefined;
  if (!Array.isArray(fields))
    throw invalidParam('fields', 'Send "fields" as an array of field names.');
  return fields.map(String);
}

/**
 * The vendor's HTTP API functions (2N IP HTTP API manual, chapter 5): path → methods, service,
 * privilege, handler. Paths not listed answer error 2, listed paths with another method error 3.
 */
export const API_FUNCTIONS: Record<string, ApiFunction> = {
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
  config: {
    methods: ['GET', 'PUT'],
    service: 'system',
    privilege: 'system.control',
    upload: { field: 'blob-cfg', limit: RESTORE_UPLOAD },
    handle: async ({ device, params, request }) => {
      if (request.method === 'GET') {
        const file = await device.maintenance.backup();
        return {
          kind: 'file',
          body: file.body,
          contentType: 'application/xml',
          filename: file.filename,
        };
      }
      const blob = params.file('blob-cfg');
      if (!blob)
        throw missingParam(
          'blob-cfg',
          'Upload the configuration file as the multipart field "blob-cfg".',
        );
      await device.maintenance.restore(blob, params.string('password'));
      return result();
    },
  },
  'config/factoryreset': {
    methods: ['PUT', 'POST'],
    service: 'system',
    privilege: 'system.control',
    handle: async ({ device, params }) => {
      const section = params.oneOf('section', ['network'] as const);
      await device.maintenance.factoryReset({ network: section === 'network' });
      return result();
    },
  },
  firmware: {
    methods: ['PUT'],
    service: 'system',
    privilege: 'system.control',
    upload: { field: 'blob-fw', limit: FIRMWARE_UPLOAD },
    handle: async ({ device, params }) => {
      const blob = params.file('blob-fw');
      if (!blob)
        throw missingParam(
          'blob-fw',
          'Upload the firmware image as the multipart field "blob-fw".',
        );
      return result(await device.maintenance.uploadFirmware(blob));
    },
  },
  'firmware/apply': {
    methods: ['PUT', 'POST'],
    service: 'system',
    privilege: 'system.control',
    handle: async ({ device }) => {
      await device.maintenance.applyFirmware();
      return result();
    },
  },
  'firmware/reject': {
    methods: ['PUT', 'POST'],
    service: 'system',
    privilege: 'system.control',
    handle: async ({ device }) => {
      await device.maintenance.rejectFirmware();
      return result();
    },
  },
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
  'log/caps': {
    methods: READ,
    service: 'logging',
    handle: ({ device }) => result({ events: device.eventLog.caps() }),
  },
  'log/subscribe': {
    methods: READ,
    service: 'logging',
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
  'dir/template': {
    methods: ['GET'],
    service: 'system',
    privilege: 'system.control',
    handle: () => result({ users: [DIRECTORY_TEMPLATE] }),
  },
  'dir/create': {
    methods: ['PUT'],
    service: 'system',
    privilege: 'system.control',
    handle: async ({ device, body, params }) =>
      result({
        users: await device.directory.create(
          jsonUsers(body),
          params.string('force') === '1' || params.string('force') === 'true',
        ),
      }),
  },
  'dir/update': {
    methods: ['PUT'],
    service: 'system',
    privilege: 'system.control',
    handle: async ({ device, body }) =>
      result({ users: await device.directory.update(jsonUsers(body)) }),
  },
  'dir/delete': {
    methods: ['PUT'],
    service: 'system',
    privilege: 'system.control',
    handle: async ({ device, body }) =>
      result({ users: await device.directory.delete(jsonUsers(body)) }),
  },
  'dir/get': {
    methods: ['POST'],
    service: 'system',
    privilege: 'system.control',
    handle: ({ device, body }) =>
      result({ users: device.directory.get(jsonUsers(body), jsonFields(body)) }),
  },
  'dir/query': {
    methods: ['POST'],
    service: 'system',
    privilege: 'system.control',
    handle: ({ device, body }) => {
      const iterator = (body as { iterator?: { timestamp?: unknown } } | null)?.iterator;
      const since = iterator?.timestamp === undefined ? 0 : Number(iterator.timestamp);
      if (!Number.isInteger(since) || since < 0)
        throw invalidParam('iterator.timestamp', 'Give iterator.timestamp as a whole number ≥ 0.');
      return result(device.directory.query(since, jsonFields(body)));
    },
  },
  'audio/test': {
    methods: READ,
    service: 'audio',
    privilege: 'audio.control',
    handle: ({ device }) => {
      device.eventLog.record('AudioLoopTest', { result: 'passed' });
      return result();
    },
  },
  'camera/caps': {
    methods: READ,
    service: 'camera',
    privilege: 'camera.monitor',
    handle: ({ device }) => result(device.camera.caps()),
  },
  'camera/snapshot': {
    methods: ['GET'],
    service: 'camera',
    privilege: 'camera.monitor',
    handle: ({ device, params }) => {
      const width = params.int('width', { min: 1, max: 4096 });
      const height = params.int('height', { min: 1, max: 4096 });
      const jpeg = device.camera.snapshot(width, height, params.string('source'));
      return { kind: 'file', body: jpeg, contentType: 'image/jpeg' };
    },
  },
  'call/status': {
    methods: READ,
    service: 'phone',
    privilege: 'phone.monitor',
    handle: () => result({ sessions: [] }),
  },
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

function switchParam(params: Params): number | undefined {
  return params.int(
    'switch',
    { min: 1, max: SWITCH_COUNT },
    `Use a switch number from 1 to ${SWITCH_COUNT} (see /api/switch/caps).`,
  );
}
