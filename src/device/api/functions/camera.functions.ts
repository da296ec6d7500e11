import { READ, result, type ApiFunction } from './function.types.ts';

/** 2N HTTP API §5.8 api/camera. */
export const CAMERA_FUNCTIONS: Record<string, ApiFunction> = {
  'camera/caps': {
    methods: READ,
    service: 'camera',
    privilege: 'camera.monitor',
    manual: { section: '5.8.1', support: 'full' },
    handle: ({ device }) => result(device.camera.caps()),
  },
  'camera/snapshot': {
    // §5.8.2: GET or POST, like every read of the manual's overview table.
    methods: READ,
    service: 'camera',
    privilege: 'camera.monitor',
    manual: {
      section: '5.8.2',
      support: 'partial',
      missing:
        'a generated test picture; no `time` (pictures from the past) and no `fps` (MJPEG stream)',
    },
    handle: ({ device, params }) => {
      const width = params.int('width', { min: 1, max: 4096 });
      const height = params.int('height', { min: 1, max: 4096 });
      const jpeg = device.camera.snapshot(width, height, params.string('source'));
      return { kind: 'file', body: jpeg, contentType: 'image/jpeg' };
    },
  },
};
