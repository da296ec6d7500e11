import { MAX_PUSH_FPS, PUSH_BOUNDARY, snapshotPush } from './camera.push.ts';
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
      missing: 'a generated test picture; no `time` (pictures from the past)',
    },
    handle: ({ device, params, signal }) => {
      const width = params.int('width', { min: 1, max: 4096 });
      const height = params.int('height', { min: 1, max: 4096 });
      const source = params.string('source');
      // §5.8.2: fps ≥ 1 asks for server push; absent (or 0) for one picture.
      const fps = params.int('fps', { min: 0, max: MAX_PUSH_FPS });
      const jpeg = device.camera.snapshot(width, height, source);
      if (!fps) return { kind: 'file', body: jpeg, contentType: 'image/jpeg' };
      let first: Buffer | undefined = jpeg;
      const picture = () => {
        const next = first ?? device.camera.snapshot(width, height, source);
        first = undefined;
        return next;
      };
      return {
        kind: 'stream',
        body: snapshotPush(fps, picture, AbortSignal.any([signal, device.camera.pushSignal])),
        contentType: `multipart/x-mixed-replace; boundary=${PUSH_BOUNDARY}`,
      };
    },
  },
};
