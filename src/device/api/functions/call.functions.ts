import { checkPeer, HANGUP_REASONS, MAX_CALL_PEERS } from '../../calls.service.ts';
import type { Device } from '../../device.ts';
import { invalidParam, missingParam } from '../../device.errors.ts';
import type { Params } from '../params.ts';
import { READ, result, type ApiFunction } from './function.types.ts';

const SESSION_RANGE = { min: 1, max: 2 ** 31 - 1 };
const SESSION_HINT =
  'Give the call identifier (session) that /api/call/dial or /api/call/status names.';

/** 5.7 api/call (2N HTTP API manual, chapter 5): a simulated call state machine, no SIP media. */
export const CALL_FUNCTIONS: Record<string, ApiFunction> = {
  'call/status': {
    methods: READ,
    service: 'phone',
    privilege: 'phone.monitor',
    manual: { section: '5.7.1', support: 'full' },
    handle: ({ device, params }) =>
      result({ sessions: device.calls.status(params.int('session', SESSION_RANGE, SESSION_HINT)) }),
  },
  'call/dial': {
    methods: READ,
    service: 'phone',
    privilege: 'phone.control',
    manual: {
      section: '5.7.2',
      support: 'partial',
      missing: 'no SIP signalling or media: the called party answers through the emulator',
    },
    handle: ({ device, params }) =>
      result({ session: device.calls.dial(destinations(device, params)) }),
  },
  'call/answer': {
    methods: READ,
    service: 'phone',
    privilege: 'phone.control',
    manual: { section: '5.7.3', support: 'full' },
    handle: ({ device, params }) => {
      device.calls.answer(params.requiredInt('session', SESSION_RANGE, SESSION_HINT));
      return result();
    },
  },
  'call/hangup': {
    methods: READ,
    service: 'phone',
    privilege: 'phone.control',
    manual: { section: '5.7.4', support: 'full' },
    handle: ({ device, params }) => {
      const session = params.requiredInt('session', SESSION_RANGE, SESSION_HINT);
      device.calls.hangup(session, params.oneOf('reason', HANGUP_REASONS, 'normal'));
      return result();
    },
  },
};

/**
 * §5.7.2: exactly one of `number` (a phone number or SIP URI) and `users` (comma-separated
 * directory uuids, each called at its first call position).
 */
function destinations(device: Device, params: Params): string[] {
  const number = params.string('number');
  const users = params.string('users');
  if (number !== undefined && users !== undefined) {
    throw invalidParam('users', 'Give either number or users, not both.');
  }
  if (users !== undefined) return usersPeers(device, users);
  if (number === undefined || number === '') {
    throw missingParam('number', 'Add number=<phone number or SIP URI>, or users=<uuid,…>.');
  }
  return [checkPeer(number, 'number')];
}

function usersPeers(device: Device, list: string): string[] {
  const uuids = list
    .split(',')
    .map((uuid) => uuid.trim())
    .filter(Boolean);
  if (uuids.length === 0 || uuids.length > MAX_CALL_PEERS) {
    throw invalidParam('users', `Give 1 to ${MAX_CALL_PEERS} user uuids, separated by commas.`);
  }
  const directory = device.config.current.directory.users;
  return uuids.map((uuid) => {
    const user = directory.find((u) => u.uuid.toLowerCase() === uuid.toLowerCase());
    if (!user) throw invalidParam('users', `There is no directory user ${uuid.slice(0, 40)}.`);
    const peer = user.callPos[0]?.peer;
    if (!peer) throw invalidParam('users', `${user.name} has no number to call (callPos.peer).`);
    return peer;
  });
}
