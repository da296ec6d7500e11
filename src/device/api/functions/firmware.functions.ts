import { missingParam } from '../../device.errors.ts';
import { FIRMWARE_UPLOAD, type FirmwareFileRef } from '../../maintenance.service.ts';
import type { Params } from '../params.ts';
import { result, type ApiFunction } from './function.types.ts';

/**
 * The firmware identifier of apply/reject. The manual's table spells it `fileid`, its upload
 * answer `fileId`; integrations send either, so both are read and errors name the one sent.
 */
function fileRef(params: Params): FirmwareFileRef {
  for (const param of ['fileid', 'fileId']) {
    const value = params.string(param);
    if (value !== undefined && value !== '') return { value, param };
  }
  throw missingParam('fileid', 'Add fileid=… as PUT /api/firmware answered it.');
}

/** 5.2 api/firmware (2N HTTP API manual, chapter 5). */
export const FIRMWARE_FUNCTIONS: Record<string, ApiFunction> = {
  firmware: {
    methods: ['PUT'],
    service: 'system',
    privilege: 'system.control',
    // §5.2.1: multipart field blob-fw; a raw application/octet-stream body is read as the same.
    upload: { field: 'blob-fw', limit: FIRMWARE_UPLOAD },
    manual: { section: '5.2.1', support: 'full' },
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
    // §5.2.2 documents GET and POST; PUT is kept for clients of earlier emulator versions.
    methods: ['GET', 'POST', 'PUT'],
    service: 'system',
    privilege: 'system.control',
    manual: { section: '5.2.2', support: 'full' },
    handle: async ({ device, params }) => {
      await device.maintenance.applyFirmware(fileRef(params));
      return result();
    },
  },
  'firmware/reject': {
    methods: ['GET', 'POST', 'PUT'],
    service: 'system',
    privilege: 'system.control',
    manual: { section: '5.2.3', support: 'full' },
    handle: async ({ device, params }) => {
      await device.maintenance.rejectFirmware(fileRef(params));
      return result();
    },
  },
};
