import type { Method } from './function.types.ts';

/** One row of the manual's function table ("5. Overview of HTTP API Functions"). */
export interface ManualFunction {
  /** The path after /api/, e.g. "dir/get". */
  path: string;
  /** The manual's section for the function (2N HTTP API, wiki.2n.com/hip/hapi/latest). */
  section: string;
  methods: Method[];
  /** The manual's service group. */
  service: string;
}

const GP: Method[] = ['GET', 'POST'];
const row = (path: string, section: string, service: string, methods: Method[] = GP) => ({
  path,
  section,
  service,
  methods,
});

/**
 * Every function of the manual's overview table, chapter by chapter. docs/http-api.md is
 * generated from this and the function table (`npm run docs:http-api`): a row the emulator
 * implements shows that function's `manual` entry; any other row is answered with error 1.
 */
export const MANUAL_FUNCTIONS: ManualFunction[] = [
  row('system/info', '5.1.1', 'System'),
  row('system/status', '5.1.2', 'System'),
  row('system/restart', '5.1.3', 'System'),
  row('system/caps', '5.1.4', 'System'),
  row('system/time', '5.1.5', 'System', ['GET', 'PUT']),
  row('system/timezone', '5.1.6', 'System', ['GET', 'PUT']),
  row('system/timezone/caps', '5.1.7', 'System', ['GET']),
  row('firmware', '5.2.1', 'System', ['PUT']),
  row('firmware/apply', '5.2.2', 'System'),
  row('firmware/reject', '5.2.3', 'System'),
  row('config', '5.3.1', 'System', ['GET', 'POST', 'PUT']),
  row('config/factoryreset', '5.3.2', 'System'),
  row('config/holidays', '5.3.3', 'System', ['GET', 'PUT']),
  row('switch/caps', '5.4.1', 'Switch'),
  row('switch/status', '5.4.2', 'Switch'),
  row('switch/ctrl', '5.4.3', 'Switch'),
  row('io/caps', '5.5.1', 'I/O'),
  row('io/status', '5.5.2', 'I/O'),
  row('io/ctrl', '5.5.3', 'I/O'),
  row('phone/status', '5.6.1', 'Phone/Call'),
  row('phone/calllog', '5.6.2', 'Phone/Call', ['GET', 'POST', 'DELETE']),
  row('phone/config', '5.6.3', 'Phone/Call', ['GET', 'PUT']),
  row('call/status', '5.7.1', 'Phone/Call'),
  row('call/dial', '5.7.2', 'Phone/Call'),
  row('call/answer', '5.7.3', 'Phone/Call'),
  row('call/hangup', '5.7.4', 'Phone/Call'),
  row('camera/caps', '5.8.1', 'Camera'),
  row('camera/snapshot', '5.8.2', 'Camera'),
  row('display/caps', '5.9.1', 'Display'),
  row('display/image', '5.9.2', 'Display', ['GET', 'PUT', 'DELETE']),
  row('display/language', '5.9.3', 'Display', ['GET', 'PUT']),
  row('display/text', '5.9.4', 'Display', ['PUT', 'DELETE']),
  row('log/caps', '5.10.1', 'Logging'),
  row('log/subscribe', '5.10.2', 'Logging'),
  row('log/unsubscribe', '5.10.3', 'Logging'),
  row('log/pull', '5.10.4', 'Logging'),
  row('audio/test', '5.11.1', 'Audio'),
  row('email/send', '5.12.1', 'Email'),
  row('pcap', '5.13.1', 'System'),
  row('pcap/restart', '5.13.2', 'System'),
  row('pcap/stop', '5.13.3', 'System'),
  row('pcap/live', '5.13.4', 'System'),
  row('pcap/live/stop', '5.13.5', 'System'),
  row('pcap/live/stats', '5.13.6', 'System'),
  row('dir/template', '5.14.1', 'System'),
  row('dir/create', '5.14.2', 'System', ['PUT']),
  row('dir/update', '5.14.3', 'System', ['PUT']),
  row('dir/delete', '5.14.4', 'System', ['PUT']),
  row('dir/get', '5.14.5', 'System', ['POST']),
  row('dir/query', '5.14.6', 'System', ['POST']),
  row('mobilekey/config', '5.15.1', 'System', ['GET', 'PUT']),
  row('mobilekey/compatibility', '5.15.2', 'System', ['GET']),
  row('lpr/licenseplate', '5.16.1', 'LPR'),
  row('lpr/image', '5.16.2', 'LPR'),
  row('accesspoint/blocking/ctrl', '5.17.1', 'Access Control'),
  row('accesspoint/blocking/status', '5.17.2', 'Access Control'),
  row('accesspoint/grantaccess', '5.17.3', 'Access Control'),
  row('lift/grantaccess', '5.18.1', 'Access Control'),
  row('automation/trigger', '5.19.1', 'Automation'),
  row('cert/ca', '5.20.1', 'System', ['GET', 'PUT', 'DELETE']),
  row('cert/user', '5.20.2', 'System', ['GET', 'PUT', 'DELETE']),
];

/**
 * Functions the emulator serves that are not rows of the manual's table: spellings
 * integrations use for a manual function, and helpers for integrators.
 */
export const EMULATOR_EXTENSIONS: Record<string, string> = {
  'accesspoint/blockingctrl': 'another spelling of accesspoint/blocking/ctrl (§5.17.1)',
  'accesspoint/caps': 'the access points and the switches each opens',
};
