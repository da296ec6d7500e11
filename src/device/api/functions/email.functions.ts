import { JPEG_RESOLUTIONS } from '../../camera.service.ts';
import { invalidParam, missingParam } from '../../device.errors.ts';
import { MAX_PICTURES, MAX_TIME_SPAN } from '../../email.service.ts';
import type { Params } from '../params.ts';
import { READ, result, type ApiFunction } from './function.types.ts';

const RESOLUTIONS = JPEG_RESOLUTIONS.map((r) => `${r.width}x${r.height}`).join(', ');

/** §5.12.1 width/height: both or neither, and one of the camera's resolutions (§5.8.1). */
function pictureSize(params: Params): { width?: number; height?: number } {
  const width = params.int('width', { min: 1, max: 4096 }, `Use one of ${RESOLUTIONS}.`);
  const height = params.int('height', { min: 1, max: 4096 }, `Use one of ${RESOLUTIONS}.`);
  if (width === undefined && height === undefined) return {};
  if (width === undefined) throw missingParam('width', 'Give width together with height.');
  if (height === undefined) throw missingParam('height', 'Give height together with width.');
  if (!JPEG_RESOLUTIONS.some((r) => r.width === width && r.height === height)) {
    throw invalidParam(
      'width',
      `Use one of the camera's resolutions ${RESOLUTIONS} (see /api/camera/caps).`,
    );
  }
  return { width, height };
}

/** 5.12 api/email (2N HTTP API manual, chapter 5). */
export const EMAIL_FUNCTIONS: Record<string, ApiFunction> = {
  'email/send': {
    methods: READ,
    service: 'email',
    privilege: 'email.control',
    manual: {
      section: '5.12.1',
      support: 'partial',
      missing:
        "no SMTP: an .eml file in the data folder's outbox/ (last 100 kept); the pictures are taken at once",
    },
    handle: async ({ device, params }) => {
      const request = {
        to: params.requiredString(
          'to',
          'Give the address to deliver to, e.g. to=somebody@example.com.',
        ),
        subject: params.requiredString(
          'subject',
          'Give the subject of the message, e.g. subject=Hello.',
        ),
        body: params.string('body'),
        pictureCount: params.int('pictureCount', { min: 0, max: MAX_PICTURES }),
        timeSpan: params.int('timeSpan', { min: 0, max: MAX_TIME_SPAN }),
        ...pictureSize(params),
      };
      const { network, webServer } = device.config.current;
      await device.email.send(request, {
        deviceName: webServer.deviceName,
        hostname: network.hostname,
      });
      return result();
    },
  },
};
