import { READ, result, type ApiFunction } from './function.types.ts';

/** 5.8 api/camera (2N HTTP API manual, chapter 5). */
export const CAMERA_FUNCTIONS: Record<string, ApiFunction> = {
  'camera/caps': {
    methods: READ,
    service: 'camera',
    privilege: 'camera.monitor',
    handle: ({ device }) => result(device.camera.caps()),
  },
  'camera/snapshot': {
    methods: ['GET'],
    service: 'camera',
    privilege: 'camera.monitor',
    handle: ({ device, params }) => {
      const width = params.int('width', { min: 1, max: 4096 });
      const height = params.int('height', { min: 1, max: 4096 });
      const jpeg = device.camera.snapshot(width, height, params.string('source'));
      return { kind: 'file', body: jpeg, contentType: 'image/jpeg' };
    },
  },
};
