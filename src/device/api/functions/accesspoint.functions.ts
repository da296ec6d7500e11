import { ACCESS_POINT_SWITCHES } from '../../access.service.ts';
import type { Device } from '../../device.ts';
import type { ApId } from '../../event.catalog.ts';
import type { Params } from '../params.ts';
import { READ, result, type ApiFunction } from './function.types.ts';

// The manual puts these in an "Access Control" service with its own privileges; this device
// has no such service group yet, so they live in the Switch service (docs/decisions).

const apParam = (params: Params, required: boolean): ApId | undefined => {
  const hint = 'Use id=0 for the entry access point or id=1 for the exit.';
  const id = required
    ? params.requiredInt('id', { min: 0, max: 1 }, hint)
    : params.int('id', { min: 0, max: 1 }, hint);
  return id as ApId | undefined;
};

/** 2N HTTP API §5.17.1: blocks or releases an access point; AccessBlocked when it changes. */
function blockingCtrl(device: Device, params: Params) {
  const ap = apParam(params, true)!;
  params.requiredString(
    'action',
    'Use action=on to block the access point, action=off to release it.',
  );
  const blocked = params.oneOf('action', ['on', 'off'] as const) === 'on';
  if (device.access.setBlocked(ap, blocked)) {
    device.eventLog.record('AccessBlocked', { ap, state: blocked });
  }
  return result();
}

const blockingCtrlFunction: ApiFunction = {
  methods: READ,
  service: 'switch',
  privilege: 'switch.control',
  manual: { section: '5.17.1', support: 'full' },
  handle: ({ device, params }) => blockingCtrl(device, params),
};

/** Which switches of an access point can open now (enabled in Hardware → Switches). */
function enabledSwitches(device: Device, switches: number[]): number[] {
  return switches.filter((n) => device.config.current.switches[n - 1]?.enabled);
}

/**
 * 2N HTTP API §5.17.3: lets a directory user in remotely, by their access rights, opening what
 * the access point opens; ApiAccessRequested reports every answer (§5.10.1).
 */
function grantAccess(device: Device, params: Params) {
  const ap = apParam(params, true)!;
  const uuid = params.requiredString(
    'user',
    'Give the uuid of a directory user (see /api/dir/query).',
  );
  const decision = device.access.grant(ap, uuid);
  const switches = decision.accessGranted ? enabledSwitches(device, decision.switches) : [];
  const answer = !decision.accessGranted
    ? { accessGranted: false, reason: decision.reason }
    : switches.length === 0
      ? { accessGranted: false, reason: 'invalidAp' }
      : { accessGranted: true };
  device.eventLog.record('ApiAccessRequested', {
    ap,
    valid: answer.accessGranted,
    session: device.access.nextSession(),
    uuid: decision.accessGranted ? decision.user.uuid : undefined,
  });
  for (const n of switches) device.switches.control(n, 'trigger');
  return result(answer);
}

/** 2N HTTP API §5.17 api/accesspoint. */
export const ACCESSPOINT_FUNCTIONS: Record<string, ApiFunction> = {
  'accesspoint/blocking/ctrl': blockingCtrlFunction,
  // The spelling the issue tracker and some integrations use for §5.17.1.
  'accesspoint/blockingctrl': { ...blockingCtrlFunction, manual: undefined },
  'accesspoint/blocking/status': {
    methods: READ,
    service: 'switch',
    privilege: 'switch.monitor',
    manual: { section: '5.17.2', support: 'full' },
    handle: ({ device, params }) =>
      result({ accessPoints: device.access.blockingStatus(apParam(params, false)) }),
  },
  'accesspoint/grantaccess': {
    methods: READ,
    service: 'switch',
    privilege: 'switch.control',
    manual: { section: '5.17.3', support: 'full' },
    handle: ({ device, params }) => grantAccess(device, params),
  },
  // Not in the manual: what the access points are and what each opens, for integrators.
  'accesspoint/caps': {
    methods: READ,
    service: 'switch',
    privilege: 'switch.monitor',
    handle: ({ device }) =>
      result({
        accessPoints: device.access.blockingStatus().map(({ id, blocked }) => ({
          id,
          name: id === 0 ? 'entry' : 'exit',
          switches: ACCESS_POINT_SWITCHES[id === 0 ? 1 : 2],
          blocked,
        })),
      }),
  },
};
