/** The emulator's public surface, for the CLI, the fleet runner, the link client and tests. */
export { Device, type CloudLinkState } from './device.ts';
export { buildDeviceApp, type DeviceAppOptions } from './device.app.ts';
export { startDevice, type RunningDevice, type StartDeviceOptions } from './device.server.ts';
export { DeviceEvents, type DeviceEventMap, type DeviceEventName } from './device.events.ts';
export { DeviceStartError, loadIdentity, type DeviceIdentity } from './identity.store.ts';
export { makeFirmwareImage } from '../core/firmware.format.ts';
