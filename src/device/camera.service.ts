import jpeg from 'jpeg-js';
import { invalidParam, missingParam } from './device.errors.ts';

export const JPEG_RESOLUTIONS = [
  { width: 160, height: 120 },
  { width: 320, height: 240 },
  { width: 640, height: 480 },
  { width: 1280, height: 960 },
];

/** The camera: a synthetic test picture (colour bars and a moving marker), as a real JPEG. */
export class CameraService {
  #pushes = new AbortController();

  /** Aborts when the camera stops: pushed pictures (§5.8.2 fps) end with a restart or shutdown. */
  get pushSignal(): AbortSignal {
    return this.#pushes.signal;
  }

  /** Ends every picture push, as a restart drops the intercom's connections. */
  stopPushes(): void {
    this.#pushes.abort();
    this.#pushes = new AbortController();
  }

  caps() {
    return {
      jpegResolution: JPEG_RESOLUTIONS,
      sources: [{ source: 'internal' }],
    };
  }

  snapshot(width: number | undefined, height: number | undefined, source = 'internal'): Buffer {
    if (width === undefined)
      throw missingParam(
        'width',
        'Add width and height, e.g. width=640&height=480 (see /api/camera/caps).',
      );
    if (height === undefined)
      throw missingParam(
        'height',
        'Add width and height, e.g. width=640&height=480 (see /api/camera/caps).',
      );
    if (!JPEG_RESOLUTIONS.some((r) => r.width === width && r.height === height)) {
      throw invalidParam(
        'width',
        `Use one of the resolutions ${JPEG_RESOLUTIONS.map((r) => `${r.width}x${r.height}`).join(', ')}.`,
      );
    }
    if (source !== 'internal')
      throw invalidParam(
        'source',
        'This device has only the internal camera; use source=internal.',
      );
    const data = Buffer.alloc(width * height * 4);
    const marker = Math.floor((Date.now() / 100) % width);
    const bars = [
      [255, 255, 255],
      [255, 255, 0],
      [0, 255, 255],
      [0, 255, 0],
      [255, 0, 255],
      [255, 0, 0],
      [0, 0, 255],
    ];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const bar = bars[Math.floor((x * bars.length) / width)]!;
        const shade = 0.5 + (0.5 * y) / height;
        const onMarker = Math.abs(x - marker) < 2;
        const offset = (y * width + x) * 4;
        data[offset] = onMarker ? 0 : Math.round(bar[0]! * shade);
        data[offset + 1] = onMarker ? 0 : Math.round(bar[1]! * shade);
        data[offset + 2] = onMarker ? 0 : Math.round(bar[2]! * shade);
        data[offset + 3] = 255;
      }
    }
    return jpeg.encode({ data, width, height }, 80).data;
  }
}
