import { DeviceError } from '../../device.errors.ts';
import { FIRMWARE_UPLOAD } from '../../maintenance.service.ts';
import { isBodyStream, receiveBody } from '../../upload.request.ts';
import { described, type AdminRoutes } from './admin.http.ts';
import { answers, firmwareUpload, noContent } from './admin.schemas.ts';

/**
 * Firmware upgrade in two steps, as the vendor's web interface and HTTP API (§5.2.1 firmware, §5.2.2
 * firmware/apply, §5.2.3 firmware/reject) do it: upload and check the image, then install or discard.
 *
 *   PUT  /admin/api/firmware                 raw image (application/octet-stream) → {version, downgrade}
 *   POST /admin/api/firmware/apply · POST /admin/api/firmware/reject
 */
export const registerFirmwareAdminApi: AdminRoutes = (app, device, guard) => {
  const { maintenance } = device;

  app.put(
    '/admin/api/firmware',
    // The body is the raw image (application/octet-stream), streamed to a file: no JSON schema.
    described('firmware', 'Upload and check a firmware image (application/octet-stream)', {
      response: answers({ 200: firmwareUpload }),
    }),
    guard(async (request) => {
      if (!isBodyStream(request.body)) {
        throw new DeviceError(
          11,
          'Send the firmware image as the request body (Content-Type: application/octet-stream).',
          'blob-fw',
        );
      }
      const image = await receiveBody(device.uploads, request, FIRMWARE_UPLOAD);
      return maintenance.uploadFirmware(image);
    }),
  );

  app.post(
    '/admin/api/firmware/apply',
    described('firmware', 'Install the uploaded firmware', { response: answers(noContent) }),
    guard(async (_request, reply) => {
      await maintenance.applyFirmware();
      return reply.code(204).send();
    }),
  );

  app.post(
    '/admin/api/firmware/reject',
    described('firmware', 'Discard the uploaded firmware', { response: answers(noContent) }),
    guard(async (_request, reply) => {
      await maintenance.rejectFirmware();
      return reply.code(204).send();
    }),
  );
};
