import type { ServiceName } from '../../config.model.ts';
import { DeviceError } from '../../device.errors.ts';
import type { ApiFunction } from './function.types.ts';
import { MANUAL_FUNCTIONS } from './manual.table.ts';

/** The device's service for a manual service group it has no own group for. */
const SERVICE: Record<string, ServiceName> = {
  System: 'system',
  Switch: 'switch',
  'I/O': 'io',
  Audio: 'audio',
  Camera: 'camera',
  Display: 'display',
  Email: 'email',
  'Phone/Call': 'phone',
  Logging: 'logging',
  'Access Control': 'switch',
  Automation: 'system',
  LPR: 'camera',
};

/**
 * The manual's functions this emulator does not implement, each answering error 1 "function
 * is not supported" (2N HTTP API §2.3), as a real unit of a model without that function does,
 * rather than error 2 for a path that does not exist at all.
 */
export function unsupportedFunctions(
  implemented: Record<string, ApiFunction>,
): Record<string, ApiFunction> {
  return Object.fromEntries(
    MANUAL_FUNCTIONS.filter((row) => !Object.hasOwn(implemented, row.path)).map((row) => [
      row.path,
      {
        methods: ['GET', 'POST', 'PUT', 'DELETE'],
        service: SERVICE[row.service] ?? 'system',
        handle: () => {
          throw new DeviceError(
            1,
            `This emulated model does not support /api/${row.path} (manual §${row.section}); docs/http-api.md lists what it supports.`,
          );
        },
      } satisfies ApiFunction,
    ]),
  );
}
