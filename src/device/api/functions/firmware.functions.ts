import { missingParam } from '../../device.errors.ts';
import { FIRMWARE_UPLOAD } from '../../maintenance.service.ts';
import { result, type ApiFunction } from './function.types.ts';

/** 5.2 api/firmware (2N HTTP API manual, chapter 5). */
export const FIRMWARE_FUNCTIONS: Record<string, ApiFunction> = {
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
};
