import type { ReplyMessage } from '../../core/link.protocol.ts';
import { SWITCH_COUNT } from '../config.model.ts';
import { DeviceError } from '../device.errors.ts';
import type { Device } from '../device.ts';

/**
 * The cloud's `open-door` command (issue 17 remote actions), args `{switch?}` (default 1): the
 * same switch trigger as the vendor's `/api/switch/ctrl?action=trigger` (2N HTTP API §5.4.3),
 * reported to the access log as a remote opening. A switch that does not exist or is disabled
 * is refused with the device's own words.
 */
export function openDoor(device: Device, id: string, args: Record<string, unknown>): ReplyMessage {
  const number = args.switch ?? 1;
  if (
    typeof number !== 'number' ||
    !Number.isInteger(number) ||
    number < 1 ||
    number > SWITCH_COUNT
  ) {
    return { id, ok: false, error: `Use a switch number from 1 to ${SWITCH_COUNT}.` };
  }
  try {
    device.switches.control(number, 'trigger');
  } catch (error) {
    if (error instanceof DeviceError) return { id, ok: false, error: error.hint };
    throw error;
  }
  device.events.emit('access-decided', {
    at: new Date().toISOString(),
    granted: true,
    credential: 'remote',
    accessPoint: null,
    switch: number,
  });
  const state = device.switches.status(number)[0];
  return { id, ok: true, result: { switch: number, active: state?.active ?? false } };
}
